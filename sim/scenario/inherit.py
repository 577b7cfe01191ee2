"""`extends: other.yaml`: a scenario written as the changes to another one.

The base is read first (it may extend another in turn), then the file's own sections are
merged over it: mappings merge key by key, anything else (numbers, text, lists such as
`departures`) is replaced whole, except lists of named items (hubs, products, carriers),
which merge item by item by `name`; a new name adds an item. Table paths in the base stay
pointing at the base's tables.

Every file is read through the scenario's `Files` (sim/scenario/files.py), which decides which
names a scenario may use: so a file named by `extends` or as a table passes the same trust
boundary as the scenario itself. A file whose top level names no scenario section at all is
not a scenario: it is refused without listing its keys, which would show its content.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.files import Files
from sim.scenario.models import Scenario
from sim.scenario.yamlio import read_yaml

TABLE_KEYS = ("nodes", "roads")


def read_scenario_yaml(path: Path, files: Files) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """The file's mapping with every `extends` resolved, and every YAML file it took."""
    return resolve_extends(read_yaml(path, files), path, files)


def resolve_extends(raw: Any, path: Path, files: Files, seen: tuple[Path, ...] = ()
                    ) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """A scenario mapping (read from, or standing for, `path`) merged over its base, and the
    files it was made from (this one first)."""
    label = files.label(path)
    check_sections(raw, label)
    _check_table_names(raw, path, files, label)
    if "extends" not in raw:
        return dict(raw), (path,)
    base = files.locate(raw["extends"], path.parent, label, "extends")
    if base.resolve() in seen or base.resolve() == path.resolve():
        raise ScenarioError(label, "extends", f"{raw['extends']} extends this file in a loop")
    merged, chain = resolve_extends(read_yaml(base, files), base, files,
                                    (*seen, path.resolve()))
    _rebase_tables(merged, base.parent, path.parent)
    return merge(merged, {k: v for k, v in raw.items() if k != "extends"}), (path, *chain)


def check_sections(raw: Any, label: str) -> None:
    """A mapping with at least one scenario section, or `extends`, at its top level."""
    if not isinstance(raw, Mapping):
        raise ScenarioError(label, "", "expected a mapping of sections at the top level")
    known = {*Scenario.model_fields, "extends"}
    if raw and not any(isinstance(key, str) and key in known for key in raw):
        raise ScenarioError(label, "", "not a scenario: none of its top-level keys is a "
                            f"scenario section ({', '.join(sorted(known))})")


def _check_table_names(raw: Mapping, path: Path, files: Files, label: str) -> None:
    """The tables a file names are names the files may use (its own, relative to it)."""
    network = raw.get("network")
    if not isinstance(network, Mapping):
        return
    for key in TABLE_KEYS:
        if network.get(key) is not None:
            files.locate(network[key], path.parent, label, f"network.{key}")


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
