"""`--set dotted.path=value` overrides, applied to the raw scenario before validation.

Values are parsed as YAML scalars or lists (so `3`, `1.9`, `true`, `[06:00, 14:00]` keep their
types) and then typed by the schema like any value in the file, so an override can never
slip past validation.

An override changes the key it names and nothing else: where it reaches into a section the
file leaves to its defaults (`--set network.road_classes.village.speed_kmh=25`), that
section starts from the schema's defaults, not from nothing, so the other keys keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter

from sim.errors import ScenarioError
from sim.scenario.models import Scenario
from sim.scenario.yamlio import parse_yaml_text


def parse_override(expression: str) -> tuple[list[str], Any]:
    """Split 'a.b.c=value' into (['a', 'b', 'c'], parsed value)."""
    source = f"--set {expression}"
    key, sep, text = expression.partition("=")
    path = key.strip().split(".")
    if not sep or not all(part.strip() for part in path):
        raise ScenarioError(source, key, "expected dotted.path=value")
    return [part.strip() for part in path], parse_yaml_text(text, source)


def apply_overrides(raw: Mapping[str, Any], expressions: Iterable[str]) -> dict[str, Any]:
    """A copy of `raw` with each override set; intermediate mappings are created as needed."""
    result: dict[str, Any] = _deep_copy(raw)
    for expression in expressions:
        path, value = parse_override(expression)
        target: Any = result
        for depth, part in enumerate(path[:-1]):
            if isinstance(target, list):
                target = _list_item(target, part, expression, path[: depth + 1])
                continue
            if not isinstance(target, dict):
                raise ScenarioError(
                    f"--set {expression}", ".".join(path[: depth + 1]), "is not a section"
                )
            if part not in target or target[part] is None:
                default = schema_default(path[: depth + 1])
                target[part] = default if isinstance(default, dict | list) else {}
            elif not isinstance(target[part], dict | list):
                raise ScenarioError(
                    f"--set {expression}", ".".join(path[: depth + 1]), "is not a section"
                )
            target = target[part]
        last = path[-1]
        if isinstance(target, list):
            index = _list_index(target, last, expression, path)
            target[index] = value
        elif isinstance(target, dict):
            target[last] = value
        else:
            raise ScenarioError(f"--set {expression}", ".".join(path[:-1]), "is not a section")
    return result


def schema_default(path: Sequence[str]) -> Any:
    """The schema's default (as plain data) for the value at `path`, or None where it has
    none: a required section, a key of a mapping, an item of a list."""
    here: Any = Scenario  # a model class, then plain data once inside a default
    for part in path:
        if isinstance(here, type) and issubclass(here, BaseModel):
            info = here.model_fields.get(part)
            if info is None:
                return None
            if info.is_required():
                here = info.annotation
                continue
            value = info.get_default(call_default_factory=True)
            here = TypeAdapter(info.annotation).dump_python(value, mode="json")
        elif isinstance(here, dict):
            here = here.get(part)
        else:
            return None
    return None if isinstance(here, type) else here


def value_at(data: Any, path: Sequence[str]) -> Any:
    """The value at a dotted path of plain data, list items by position or by `name` as
    overrides address them (hubs.qi_base.cold_storage_pallets); None where there is none."""
    for part in path:
        if isinstance(data, list):
            try:
                data = _list_item(data, part, "", list(path))
            except ScenarioError:
                return None
        elif isinstance(data, Mapping) and part in data:
            data = data[part]
        else:
            return None
    return data


def _list_index(items: list, part: str, expression: str, path: list[str]) -> int:
    """A list item by position, or by its `name` (hubs.qi_base, products.garlic)."""
    named = [i for i, item in enumerate(items) if isinstance(item, Mapping)
             and item.get("name") == part]
    if named and not part.isdigit():
        return named[0]
    if not part.isdigit() or int(part) >= len(items):
        raise ScenarioError(
            f"--set {expression}", ".".join(path), f"no item {part} in a list of {len(items)}"
        )
    return int(part)


def _list_item(items: list, part: str, expression: str, path: list[str]) -> Any:
    return items[_list_index(items, part, expression, path)]


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value
