"""How big a scenario may make things: the ceilings that protect the machine running it.

Every collection a scenario can make big (the bytes read, nodes, a base's children, days,
parcels, goods lots, vehicle departures, sweep runs) is estimated from the inputs and checked
against these before memory is spent. The ceilings belong to whoever runs the process, never
to the scenario: a scenario can only ask for less (`run.max_parcels`).

The command line takes its ceilings from `SIM_MAX_<NAME>` variables (its user owns the
machine and may raise them); the app from `SIM_APP_MAX_<NAME>`, set by whoever serves it to
colleagues, with lower defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from sim.errors import UserError

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Ceilings on what one scenario may make; the defaults suit one 2-core, 24 GB machine
    running the command line."""

    yaml_bytes: int = 4 * MIB  # one scenario or sweep YAML file (configs/kaifeng.yaml: 20 kB)
    table_bytes: int = 128 * MIB  # one CSV table (Kaifeng's nodes: 0.3 MB, Henan's: 6 MB)
    nodes: int = 200_000  # rows of the node table (Henan: 47,500)
    children: int = 2_000  # children of one node: a base's loops are planned pairwise
    days: int = 3_660  # run.days
    parcels: int = 100_000_000  # expected parcels: about 160 bytes each at the peak
    lots: int = 20_000_000  # expected lots of goods
    departures: int = 100_000_000  # vehicle departures: loops x timetable x days
    runs: int = 1_000_000  # points x replications of one sweep
    disruptions: int = 1_000_000  # disruptions, random ones by their expected number
    road_periods: int = 2_000  # periods of distinct roads closed: each re-routes every loop
    upload_bytes: int = 64 * MIB  # all files of one upload together (the app)
    prefix: str = "SIM_MAX_"  # the environment variables that set these: SIM_MAX_PARCELS, ...

    def variable(self, name: str) -> str:
        """The environment variable that sets limit `name`."""
        return f"{self.prefix}{name.upper()}"

    @classmethod
    def from_environment(cls, prefix: str = "SIM_MAX_", base: Limits | None = None,
                         environ: Mapping[str, str] | None = None) -> Limits:
        """`base` (default: the command line's ceilings) with every `<prefix><NAME>` variable
        of the environment applied."""
        environ = os.environ if environ is None else environ
        base = base or cls()
        changes: dict[str, object] = {"prefix": prefix}
        for item in fields(cls):
            if item.name == "prefix":
                continue
            variable = f"{prefix}{item.name.upper()}"
            text = environ.get(variable)
            if text is None:
                continue
            try:
                value = int(text.replace("_", ""))
            except ValueError:
                value = 0
            if value < 1:
                raise UserError(variable, "", f"expected a whole number of 1 or more, got {text!r}")
            changes[item.name] = value
        return replace(base, **changes)


# What the app allows an uploaded or edited scenario, unless its server sets SIM_APP_MAX_*:
# a Kaifeng quarter at double volume, the Henan node table, small sweeps.
SERVER_DEFAULTS = Limits(yaml_bytes=1 * MIB, table_bytes=16 * MIB, nodes=60_000, days=120,
                         parcels=20_000_000, lots=2_000_000, departures=5_000_000, runs=200,
                         disruptions=100_000, road_periods=200, upload_bytes=32 * MIB,
                         prefix="SIM_APP_MAX_")


def command_limits() -> Limits:
    """The command line's ceilings: the defaults, raised or lowered by SIM_MAX_*."""
    return Limits.from_environment("SIM_MAX_")


def server_limits() -> Limits:
    """The app's ceilings: SERVER_DEFAULTS, changed by SIM_APP_MAX_* (the server's own)."""
    return Limits.from_environment("SIM_APP_MAX_", SERVER_DEFAULTS)
