"""A network of several cities that run apart, and one of its cities as a scenario of its own
(the province view's drill-down).

A city is cut as a whole scenario, not only as tables in memory: its node table (and roads)
are the city's rows of the province's, with the gateway, given to the scenario as a file
uploaded beside the province's table. Levers then re-read the city's table, not the
province's, and the downloads hold the city's scenario with its own table, which `sim run`
runs alone. The rows are copied as the file writes them, so the city runs exactly as it
does inside the province (`sim.experiment.split.parts`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from sim import api
from sim.experiment.split.parts import Part, city_parts
from sim.scenario import LoadedScenario
from sim.scenario.files import SandboxFiles
from sim.scenario.loader import scenario_from_dict


def cities(scenario: LoadedScenario) -> list[Part]:
    """The scenario's cities when there are several and they can run apart, else none."""
    count, joined = api.cities(scenario)
    return city_parts(scenario) if count > 1 and joined is None else []


def city_scenario(scenario: LoadedScenario, part: Part) -> LoadedScenario:
    """The scenario cut to the gateway and one city, named after the city, its tables the
    city's rows of the scenario's (uploaded beside them, so nothing is written to disk)."""
    files = scenario.files
    if not isinstance(files, SandboxFiles):
        raise TypeError("a city is cut from a scenario the app read")
    ids = set(scenario.nodes["id"].iloc[part.rows])
    uploads = dict(files.uploads)
    network = dict(scenario.raw["network"])
    keeps: dict[str, Callable[[dict[str, str]], bool]] = {
        "nodes": lambda row: row.get("id") in ids,
        "roads": lambda row: row.get("from") in ids and row.get("to") in ids}
    for table, keep in keeps.items():
        written = network.get(table)
        if written is None:
            continue
        reference = str(PurePosixPath(written).with_name(
            f"{PurePosixPath(written).stem}-{part.hub}.csv"))
        source = Path(os.path.normpath(scenario.path.parent / written))
        data = files.read(source, files.limits.table_bytes, "table")
        target = Path(os.path.normpath(scenario.path.parent / reference))
        uploads[files.label(target)] = city_rows(data, keep)
        network[table] = reference
    overrides = scenario.raw.get("node_overrides") or {}
    raw = {**scenario.raw, "name": f"{scenario.config.name} · {part.name}", "network": network,
           "node_overrides": {node: value for node, value in overrides.items() if node in ids}}
    return scenario_from_dict(raw, scenario.path, (), replace(files, uploads=uploads),
                              scenario.yaml_files)


def city_rows(data: bytes, keep: Callable[[dict[str, str]], bool]) -> bytes:
    """A CSV table's header and the rows `keep` keeps (by their cells, named by the
    header), in their order."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(row for row in reader if keep(dict(zip(header, row, strict=False))))
    return out.getvalue().encode("utf-8")

