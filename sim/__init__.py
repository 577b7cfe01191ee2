"""County e-commerce express network simulator.

The public API mirrors the CLI: load a scenario, run it, read the results.
"""

from sim.errors import ConservationError, ScenarioError

__all__ = ["ConservationError", "ScenarioError", "__version__"]
__version__ = "0.1.0"
