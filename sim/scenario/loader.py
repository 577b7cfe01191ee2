"""Load a scenario: YAML + referenced CSV tables + overrides -> one checked `LoadedScenario`.

Everything a run needs is checked here or in `sim.network`, before any simulation starts, and
every problem names its file and field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.inherit import read_scenario_yaml
from sim.scenario.models import NodeOverride, Scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.tables import load_nodes, load_roads

# Each kind's parent kind in the tier tree.
PARENT_KIND = {
    "gateway": None, "hub": "gateway", "park": "hub", "station": "park", "point": "station",
}


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its tables; node overrides are already applied."""

    config: Scenario
    nodes: pd.DataFrame
    roads: pd.DataFrame | None
    path: Path
    raw: dict[str, Any] = field(repr=False)

    @property
    def nodes_path(self) -> Path:
        return self.path.parent / self.config.network.nodes

    @property
    def roads_path(self) -> Path | None:
        roads = self.config.network.roads
        return None if roads is None else self.path.parent / roads


def with_replication(scenario: LoadedScenario, replication: int) -> LoadedScenario:
    """The same scenario as replication number `replication` (no files are read)."""
    run = scenario.config.run.model_copy(update={"replication": replication})
    config = scenario.config.model_copy(update={"run": run})
    raw = {**scenario.raw, "run": {**scenario.raw.get("run", {}), "replication": replication}}
    return replace(scenario, config=config, raw=raw)


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> LoadedScenario:
    """Read, override, validate and cross-check a scenario file."""
    path = Path(path)
    return scenario_from_dict(read_scenario_yaml(path), path, overrides)


def scenario_from_dict(
    raw: Mapping[str, Any], path: Path, overrides: Sequence[str] = ()
) -> LoadedScenario:
    """Validate an in-memory scenario whose tables live relative to `path`."""
    data = apply_overrides(raw, overrides)
    config = _validate(data, path, overrides)
    nodes = load_nodes(path.parent / config.network.nodes)
    roads_file = config.network.roads
    roads = None if roads_file is None else load_roads(path.parent / roads_file)
    scenario = LoadedScenario(config=config, nodes=nodes, roads=roads, path=path, raw=data)
    check_tree(scenario)
    scenario = _with_node_overrides(scenario)
    check_node_values(scenario)
    return scenario


def _validate(data: Mapping[str, Any], path: Path, overrides: Iterable[str]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        issues_by_file: dict[str, list[tuple[str, str]]] = {}
        for error in exc.errors():
            dotted = ".".join(str(part) for part in error["loc"])
            problem = error["msg"]
            if error["type"] == "extra_forbidden":
                problem = "unknown key"
            elif error["type"] == "missing":
                problem = "required field is missing"
            source = _override_source(dotted, overrides) or str(path)
            issues_by_file.setdefault(source, []).append((dotted, problem))
        source, issues = next(iter(issues_by_file.items()))
        raise ScenarioError.many(source, issues[:20]) from None


def _override_source(dotted: str, overrides: Iterable[str]) -> str | None:
    """The `--set` expression responsible for a bad field, if any."""
    for expression in overrides:
        key = expression.partition("=")[0].strip()
        if dotted == key or dotted.startswith(key + ".") or key.startswith(dotted + "."):
            return f"--set {expression}"
    return None


def check_tree(scenario: LoadedScenario) -> None:
    """Every node has a parent of the right kind; one gateway; residents only where served."""
    nodes, file = scenario.nodes, str(scenario.nodes_path)
    ids = set(nodes["id"])
    kind_of = dict(zip(nodes["id"], nodes["kind"], strict=True))
    gateways = nodes.index[nodes["kind"] == "gateway"]
    if len(gateways) != 1:
        raise ScenarioError(file, "kind", f"expected exactly one gateway, found {len(gateways)}")
    for index, node_id, kind, parent in zip(nodes.index, nodes["id"], nodes["kind"],
                                            nodes["parent"], strict=True):
        label = f"line {int(index) + 2} (id {node_id})"
        expected = PARENT_KIND[kind]
        if expected is None:
            if parent is not None:
                raise ScenarioError(file, f"{label}: parent", "the gateway has no parent")
            continue
        if parent is None:
            raise ScenarioError(file, f"{label}: parent", f"a {kind} needs a parent")
        if parent not in ids:
            raise ScenarioError(file, f"{label}: parent", f"unknown node {parent!r}")
        if kind_of[parent] != expected:
            raise ScenarioError(
                file,
                f"{label}: parent",
                f"a {kind}'s parent must be a {expected}, {parent!r} is a {kind_of[parent]}",
            )
    for node_id in scenario.config.node_overrides:
        if node_id not in ids:
            raise ScenarioError(
                str(scenario.path), f"node_overrides.{node_id}", f"unknown node {node_id!r}"
            )
    _check_roads_refer_to_nodes(scenario, ids)


def _check_roads_refer_to_nodes(scenario: LoadedScenario, ids: set[str]) -> None:
    roads = scenario.roads
    if roads is None:
        return
    file = str(scenario.roads_path)
    known_classes = scenario.config.network.road_classes
    for index, source, target, road_class in zip(roads.index, roads["source"], roads["target"],
                                                 roads["road_class"], strict=True):
        label = f"line {int(index) + 2}"
        for column, end in (("from", source), ("to", target)):
            if end not in ids:
                raise ScenarioError(file, f"{label}: {column}", f"unknown node {end!r}")
        if source == target:
            raise ScenarioError(file, f"{label}: to", "a road must join two different nodes")
        if road_class not in known_classes:
            raise ScenarioError(
                file,
                f"{label}: road_class",
                f"unknown road class {road_class!r} (known: {', '.join(known_classes)})",
            )


# Which node kinds each per-node value applies to.
_VALUE_KINDS = {
    "population": ("park", "station", "point"),
    "sort_rate_per_h": ("hub", "park", "station"),
    "shelf_slots": ("point",),
    "vehicles": ("gateway", "hub", "park", "station"),
    "opening_hours": ("station", "point"),
}


def check_node_values(scenario: LoadedScenario) -> None:
    """Per-node values may only sit on nodes of the kinds that use them."""
    nodes = scenario.nodes
    for column, kinds in _VALUE_KINDS.items():
        misplaced = nodes[nodes[column].notna() & ~nodes["kind"].isin(kinds)]
        if column == "population":
            misplaced = misplaced[misplaced["population"] > 0]
        if len(misplaced):
            row = misplaced.iloc[0]
            raise ScenarioError(
                str(scenario.nodes_path),
                f"line {int(misplaced.index[0]) + 2} (id {row['id']}): {column}",
                f"only a {' or '.join(kinds)} has {column}, this node is a {row['kind']}",
            )


def _with_node_overrides(scenario: LoadedScenario) -> LoadedScenario:
    """Fill per-node values from the YAML's node_overrides (they win over CSV columns)."""
    overrides: dict[str, NodeOverride] = scenario.config.node_overrides
    if not overrides:
        return scenario
    nodes = scenario.nodes.copy()
    position = {node_id: i for i, node_id in enumerate(nodes["id"])}
    columns = {column: nodes[column].tolist() for column in NodeOverride.model_fields}
    for node_id, override in overrides.items():
        for column, value in override.model_dump(exclude_none=True).items():
            columns[column][position[node_id]] = value
    for column, values in columns.items():
        nodes[column] = pd.Series(values, index=nodes.index, dtype=nodes[column].dtype)
    return LoadedScenario(
        config=scenario.config, nodes=nodes, roads=scenario.roads, path=scenario.path,
        raw=scenario.raw,
    )
