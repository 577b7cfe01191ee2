"""Safe YAML reading and writing for scenario files.

PyYAML's SafeLoader never constructs Python objects, but it reads `14:00` as the base-60
integer 840 and lets a repeated key silently win. Both would give wrong numbers without a
word, so this loader reads clock times as strings and rejects duplicate keys. Anchors and
`<<:` merges work as in YAML 1.1: keys written beside a merge override the merged ones.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError


class ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader with clock times kept as text and duplicate keys refused.

    It parses with libyaml when PyYAML was built with it (several times faster); the
    resolvers and constructors below are Python either way, so the values are the same.
    """


ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:int",
                                                                        "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
        r"|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_mapping(loader: ScenarioLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """A mapping whose own keys are unique; `<<: *anchor` merges may be overridden."""
    seen: dict[Any, yaml.Mark] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node.start_mark
    return loader.construct_mapping(node, deep=deep)


ScenarioLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text; syntax errors name the line and column."""
    try:
        return yaml.load(text, Loader=ScenarioLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "malformed YAML"
        raise ScenarioError(source, where, f"malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, "", f"malformed YAML: {exc}") from None


def read_yaml(path: Path) -> Any:
    """Read a YAML file as UTF-8; missing files and bad bytes get clear errors."""
    if not path.is_file():
        raise ScenarioError(str(path), "", "file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            str(path), "", f"not UTF-8 text (byte {raw[exc.start]:#04x} at {exc.start})"
        ) from None
    return parse_yaml_text(text, str(path))


# Text that libyaml's emitter writes byte for byte as PyYAML's own: no control characters,
# line or paragraph separators, byte-order marks, surrogates or characters beyond the BMP.
PLAIN_TEXT = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff"
                        r"\ud800-\udfff\U00010000-\U0010ffff]*")
# Long keys go in the explicit `? key` form, past PyYAML's limit in characters and libyaml's
# in UTF-8 bytes: keys shorter than this many bytes are below both.
SHORT_KEY = 64


def dump_yaml(data: Any) -> str:
    """YAML text that `read_yaml` reads back to the same data (Chinese kept readable).

    It is written with libyaml when PyYAML was built with it (several times faster) and the
    data is such that libyaml writes the same bytes (`emits_alike`)."""
    fast = getattr(yaml, "CSafeDumper", None)
    dumper = fast if fast is not None and emits_alike(data) else yaml.SafeDumper
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


def emits_alike(value: Any) -> bool:
    """Whether libyaml and PyYAML write this data the same: plain values, and mappings whose
    keys are short, non-empty plain text."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and emits_alike(key) and 0 < len(key.encode()) < SHORT_KEY
                   and emits_alike(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(emits_alike(item) for item in value)
    if isinstance(value, str):
        return PLAIN_TEXT.fullmatch(value) is not None
    return value is None or isinstance(value, bool | int | float)
