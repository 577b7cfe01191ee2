"""Safe, bounded YAML reading and writing for scenario files.

PyYAML's SafeLoader never constructs Python objects, but it reads `14:00` as the base-60
integer 840 and lets a repeated key silently win. Both would give wrong numbers without a
word, so this loader reads clock times as strings and rejects duplicate keys. Dates stay text
too: the schema parses them, so `2026-02-30` is a field error, not a crash. Anchors and `<<:`
merges work as in YAML 1.1: keys written beside a merge override the merged ones.

Before anything is built, the events of the text are walked once: nesting deeper than
`MAX_DEPTH`, aliases that would expand to more than `MAX_VALUES` values (a kilobyte "billion
laughs" file expands to gigabytes wherever it is copied or validated) and explicit tags
(`!!int abc`, `!!binary`) are refused with a message, so no input makes the reader slow,
big or crash.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario.files import Files, LocalFiles


class ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader with clock times kept as text and duplicate keys refused.

    It parses with libyaml when PyYAML was built with it (several times faster); the
    resolvers and constructors below are Python either way, so the values are the same.
    """


_OWN_RESOLVERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                  "tag:yaml.org,2002:timestamp")
ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _OWN_RESOLVERS]
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


MAX_DEPTH = 40  # nested mappings and lists (a scenario uses 6)
MAX_VALUES = 200_000  # values once aliases are expanded (configs/kaifeng.yaml: about 1,200)


def parse_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text within the bounds above; problems name the line and column."""
    try:
        check_shape(text, source)
        return yaml.load(text, Loader=ScenarioLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError(source, _where(exc.problem_mark or exc.context_mark),
                            f"malformed YAML: {exc.problem or exc.context or 'unreadable'}"
                            ) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # a constructor's own failure (an unhashable key, a value it cannot convert)
        raise ScenarioError(source, "", "malformed YAML: a key or value that cannot be read "
                            f"as data ({type(exc).__name__})") from None


def check_shape(text: str, source: str) -> None:
    """Walk the text's events (a streaming parse: nothing is built) and refuse what would
    make building it deep, big or dangerous: too deep, too many values once aliases are
    expanded, or an explicit tag."""
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    open_collections: list[list] = []  # per open mapping or list: [values so far, anchor]
    loader = ScenarioLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.NodeEvent) and getattr(event, "tag", None) is not None:
                raise ScenarioError(source, _where(event.start_mark),
                                    "explicit YAML tags (such as !!int) are not allowed: "
                                    "write the value itself")
            if isinstance(event, yaml.CollectionStartEvent):
                open_collections.append([1, event.anchor])
                if len(open_collections) > MAX_DEPTH:
                    raise ScenarioError(source, _where(event.start_mark),
                                        f"nested more than {MAX_DEPTH} levels deep")
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                count, anchor = open_collections.pop()
            elif isinstance(event, yaml.ScalarEvent):
                count, anchor = 1, event.anchor
            elif isinstance(event, yaml.AliasEvent):
                count, anchor = sizes.get(event.anchor, 1), None
            else:
                continue
            if anchor is not None:
                sizes[anchor] = count
            if open_collections:
                open_collections[-1][0] += count
                if open_collections[-1][0] > MAX_VALUES:
                    raise ScenarioError(source, _where(event.start_mark),
                                        f"more than {MAX_VALUES:,} values once its aliases "
                                        "(*name) are expanded")
    finally:
        loader.dispose()


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def decode_text(data: bytes, label: str) -> str:
    """UTF-8 text (a byte-order mark allowed); bad bytes get a clear error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            label, "", f"not UTF-8 text (byte {data[exc.start]:#04x} at {exc.start})"
        ) from None


def read_yaml(path: Path, files: Files | None = None) -> Any:
    """Read a YAML file as UTF-8 within the files' limits; missing files and bad bytes get
    clear errors."""
    files = files or LocalFiles()
    label = files.label(path)
    data = files.read(path, files.limits.yaml_bytes, "YAML file")
    return parse_yaml_text(decode_text(data, label), label)


Model = TypeVar("Model", bound=BaseModel)


def read_model(path: Path, model: type[Model]) -> Model:
    """A YAML file (a sweep design, a plan) as `model`, every schema issue named by its
    field."""
    raw = read_yaml(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        issues = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise ScenarioError.many(str(path), issues) from None


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
