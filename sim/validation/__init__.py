"""Validation against queueing theory and model identities.

The checks run the engine on small scenarios with replications and compare with formulas;
the tests assert every verdict, and `python -m sim.validation` writes docs/validation.md
from the same checks.
"""

from sim.validation.cases import all_checks
from sim.validation.checks import Check

__all__ = ["Check", "all_checks"]
