"""Load a scenario: YAML + referenced CSV tables + overrides -> one checked `LoadedScenario`.

Everything a run needs is checked here or in `sim.network`, before any simulation starts, and
every problem names its file and field. Files are read through a `Files` (the command line's
any path, or the app's uploads and bundled configs), and what the scenario would make
(nodes, a base's children, parcels, lots, departures, days) is checked against its limits
before anything big is built.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.areas import check_disruptions
from sim.scenario.files import Files, LocalFiles
from sim.scenario.inherit import TABLE_KEYS, read_scenario_yaml
from sim.scenario.models import NodeOverride, Scenario
from sim.scenario.overrides import apply_overrides, parse_override
from sim.scenario.sizes import check_sizes
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
    files: Files = field(default_factory=LocalFiles, repr=False, compare=False)
    yaml_files: tuple[Path, ...] = ()  # the scenario's YAML and every YAML it extends
    tables: Mapping[Path, pd.DataFrame] = field(default_factory=dict, repr=False,
                                                compare=False)  # as read, by path

    @property
    def nodes_path(self) -> Path:
        return _table_path(self.path, self.config.network.nodes)

    @property
    def roads_path(self) -> Path | None:
        roads = self.config.network.roads
        return None if roads is None else _table_path(self.path, roads)

    @property
    def input_files(self) -> tuple[Path, ...]:
        """Every file the scenario was read from: its YAML, what it extends, its tables."""
        tables = (self.nodes_path,) + (() if self.roads_path is None else (self.roads_path,))
        return tuple(dict.fromkeys((*self.yaml_files, *tables)))

    def label(self) -> str:
        """The scenario file's name in messages."""
        return self.files.label(self.path)


def _table_path(scenario_path: Path, reference: str) -> Path:
    return Path(os.path.normpath(scenario_path.parent / reference))


def with_replication(scenario: LoadedScenario, replication: int) -> LoadedScenario:
    """The same scenario as replication number `replication` (no files are read)."""
    run = scenario.config.run.model_copy(update={"replication": replication})
    config = scenario.config.model_copy(update={"run": run})
    raw = {**scenario.raw, "run": {**scenario.raw.get("run", {}), "replication": replication}}
    return replace(scenario, config=config, raw=raw)


def load_scenario(path: str | Path, overrides: Sequence[str] = (),
                  files: Files | None = None) -> LoadedScenario:
    """Read, override, validate and cross-check a scenario file."""
    path, files = Path(path), files or LocalFiles()
    raw, yaml_files = read_scenario_yaml(path, files)
    return scenario_from_dict(raw, path, overrides, files, yaml_files)


def with_overrides(scenario: LoadedScenario, overrides: Sequence[str]) -> LoadedScenario:
    """The scenario with more overrides, checked like the file; tables already read are
    not read again."""
    if not overrides:
        return scenario
    return scenario_from_dict(scenario.raw, scenario.path, overrides, scenario.files,
                              scenario.yaml_files, scenario.tables)


def scenario_from_dict(
    raw: Mapping[str, Any], path: Path, overrides: Sequence[str] = (),
    files: Files | None = None, yaml_files: tuple[Path, ...] = (),
    tables: Mapping[Path, pd.DataFrame] | None = None,
) -> LoadedScenario:
    """Validate an in-memory scenario whose tables live relative to `path`.

    `tables` are tables already read (by path), reused rather than read again."""
    files = files or LocalFiles()
    label = files.label(path)
    data = apply_overrides(raw, overrides)
    _check_table_overrides(overrides, path, files)
    config = _validate(data, label, overrides)
    read = dict(tables or {})
    nodes_path = _table_path(path, config.network.nodes)
    if nodes_path not in read:
        read[nodes_path] = load_nodes(nodes_path, files)
    roads = None
    if config.network.roads is not None:
        roads_path = _table_path(path, config.network.roads)
        if roads_path not in read:
            read[roads_path] = load_roads(roads_path, files)
        roads = read[roads_path]
    scenario = LoadedScenario(config=config, nodes=read[nodes_path], roads=roads, path=path,
                              raw=data, files=files, yaml_files=yaml_files or (path,),
                              tables=read)
    check_tree(scenario)
    scenario = _with_node_overrides(scenario)
    check_node_values(scenario)
    check_disruptions(scenario.config, scenario.nodes, label)
    check_sizes(scenario.config, scenario.nodes, files.limits, label)
    return scenario


def _check_table_overrides(overrides: Iterable[str], path: Path, files: Files) -> None:
    """A table named by `--set network.nodes=...` passes the same boundary as in a file."""
    for expression in overrides:
        keys, value = parse_override(expression)
        if len(keys) == 2 and keys[0] == "network" and keys[1] in TABLE_KEYS and value:
            files.locate(value, path.parent, f"--set {expression}", ".".join(keys))


def _validate(data: Mapping[str, Any], label: str, overrides: Iterable[str]) -> Scenario:
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
            source = _override_source(dotted, overrides) or label
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
    """Every node has a parent of the right kind; one gateway; no base with more children
    than the limits allow (a base's loops are planned pairwise over its children)."""
    nodes, file = scenario.nodes, scenario.files.label(scenario.nodes_path)
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
    children = nodes["parent"].value_counts()
    limits = scenario.files.limits
    if len(children) and children.iloc[0] > limits.children:
        raise ScenarioError(file, f"node {children.index[0]}",
                            f"{children.iloc[0]:,} nodes have it as parent, more than the limit "
                            f"of {limits.children:,} ({limits.variable('children')})")
    for node_id in scenario.config.node_overrides:
        if node_id not in ids:
            raise ScenarioError(
                scenario.label(), f"node_overrides.{node_id}", f"unknown node {node_id!r}"
            )
    _check_roads_refer_to_nodes(scenario, ids)


def _check_roads_refer_to_nodes(scenario: LoadedScenario, ids: set[str]) -> None:
    roads = scenario.roads
    if roads is None:
        return
    file = scenario.files.label(scenario.roads_path)
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
                scenario.files.label(scenario.nodes_path),
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
    return replace(scenario, nodes=nodes)
