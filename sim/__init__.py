"""County e-commerce express network simulator.

The public API mirrors the CLI: load a scenario, run it, read the results.
"""

import os

# numpy advises the kernel to back arrays of 4 MB and more with transparent huge pages. A run
# writes each of its big arrays (a ledger column, 22 MB a month) once, so huge pages save it
# little, and where the kernel compacts memory to find them (defrag "madvise", the common
# default) they cost a month of Kaifeng about 0.6 s on the benchmark machine. numpy reads
# this when it is first imported; NUMPY_MADVISE_HUGEPAGE=1 in the environment keeps them.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

from sim.errors import ConservationError, ScenarioError

__all__ = ["ConservationError", "ScenarioError", "__version__"]
__version__ = "0.1.0"
