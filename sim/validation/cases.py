"""Every validation case by name: `tests/test_validation.py` runs each, the report all."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sim.validation import checks, fluid
from sim.validation.checks import DEFAULT_REPS, Check

CASES: dict[str, Callable[[int], Iterator[Check]]] = {
    "md1": checks.md1_sorting,
    "mmc": checks.mmc_sorting,
    "periodic": checks.periodic_departures,
    "freight": checks.freight_departures,
    "short_capacity": checks.short_capacity,
    "little": checks.littles_law,
    "stage_sum": checks.stage_sum,
    "line_down": fluid.line_down,
    "breakdowns": fluid.breakdowns,
    "detour": fluid.detour,
}


def all_checks(reps: int = DEFAULT_REPS) -> list[Check]:
    return [check for case in CASES.values() for check in case(reps)]
