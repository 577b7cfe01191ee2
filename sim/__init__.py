"""County e-commerce express network simulator.

The public API mirrors the CLI: load a scenario, run it, read the results.
"""

from sim.errors import ConservationError, ScenarioError
from sim.memory import configure

configure()  # before numpy is first imported (neither module above imports it)

__all__ = ["ConservationError", "ScenarioError", "__version__"]
__version__ = "0.1.0"
