"""`extends: other.yaml`: a scenario written as the changes to another one.

The base is read first (it may extend another in turn), then the file's own sections are
merged over it: mappings merge key by key, anything else (numbers, text, lists such as
`departures`) is replaced whole, except lists of named items (hubs, products, carriers),
which merge item by item by `name`; a new name adds an item. Table paths in the base stay
pointing at the base's tables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.yamlio import read_yaml

TABLE_KEYS = ("nodes", "roads")


def read_scenario_yaml(path: Path) -> dict[str, Any]:
    """The file's mapping with every `extends` resolved."""
    return resolve_extends(read_yaml(path), path)


def resolve_extends(raw: Any, path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A scenario mapping (read from, or standing for, `path`) merged over its base."""
    if not isinstance(raw, Mapping):
        raise ScenarioError(str(path), "", "expected a mapping of sections at the top level")
    if "extends" not in raw:
        return dict(raw)
    base_name = raw["extends"]
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError(str(path), "extends", "expected the file name of a scenario")
    base = (path.parent / base_name).resolve()
    if base in seen or base == path.resolve():
        raise ScenarioError(str(path), "extends", f"{base_name} extends this file in a loop")
    merged = resolve_extends(read_yaml(base), base, (*seen, path.resolve()))
    _rebase_tables(merged, base.parent, path.parent)
    return merge(merged, {k: v for k, v in raw.items() if k != "extends"})


def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` over `base`: nested mappings merge, lists of named items merge by name,
    other values replace."""
    result = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merge(result[key], value)
        elif _named(value) and _named(result.get(key)):
            result[key] = _merge_named(result[key], value)
        else:
            result[key] = value
    return result


def _named(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, Mapping) and "name" in item for item in value)


def _merge_named(base: list[Mapping], changes: list[Mapping]) -> list[dict]:
    """Items of `changes` merge into the base item of the same name, or are added."""
    merged = [dict(item) for item in base]
    position = {item["name"]: i for i, item in enumerate(merged)}
    for item in changes:
        if item["name"] in position:
            merged[position[item["name"]]] = merge(merged[position[item["name"]]], item)
        else:
            merged.append(dict(item))
    return merged


def _rebase_tables(raw: dict[str, Any], base_dir: Path, own_dir: Path) -> None:
    network = raw.get("network")
    if not isinstance(network, Mapping):
        return
    network = dict(network)
    for key in TABLE_KEYS:
        if isinstance(network.get(key), str):
            network[key] = os.path.relpath(base_dir / network[key], own_dir.resolve())
    raw["network"] = network
