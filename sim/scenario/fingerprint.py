"""A scenario's fingerprint: what it would simulate, not where its files happen to be.

A sweep folder records its scenario's fingerprint so that resuming it with another scenario
(another YAML, an edited node table, a different `--set`) is refused instead of mixing two
scenarios' results; moving or renaming the files changes nothing that is simulated, so it
changes no fingerprint.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from sim.scenario.inherit import TABLE_KEYS
from sim.scenario.loader import LoadedScenario

VERSION = "sim-scenario-fingerprint-1"


def fingerprint(scenario: LoadedScenario) -> str:
    """sha256 of the validated config (table paths taken out) and the tables' content."""
    config = scenario.config.model_dump(mode="json")
    for key in TABLE_KEYS:
        config["network"].pop(key, None)
    digest = hashlib.sha256(VERSION.encode())
    digest.update(json.dumps(config, sort_keys=True, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8"))
    for table in (scenario.nodes, scenario.roads):
        digest.update(b"\x00" if table is None else table_digest(table))
    return f"sha256:{digest.hexdigest()}"


def table_digest(frame: pd.DataFrame) -> bytes:
    """The table's columns, types and values (cells as CSV text: floats round-trip exactly,
    and cells holding lists, such as opening hours, are written the same way every time)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(name), str(kind)] for name, kind in frame.dtypes.items()])
                  .encode("utf-8"))
    digest.update(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return digest.digest()
