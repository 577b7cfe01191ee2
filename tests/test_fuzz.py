"""Mutated scenario files end in a clear error (exit code 2) or a valid run: never a
traceback, never a hang."""

from __future__ import annotations

import json
import math
import signal
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.yamlio import dump_yaml, read_yaml

from .conftest import CONFIGS, TUTORIAL

RUNNER = CliRunner()
SHORT = {"days": 2, "warmup_days": 0, "drain_days": 1}
ODD_VALUES = [
    None, 0, -1, -0.5, 1, 10**20, 1e308, math.nan, math.inf, -math.inf, True, "", "abc",
    "25:00", "08:00-07:00", "12:00", "\x00", [], [0], ["x", 1], {}, {"x": 1},
    "2026-02-30", "2026-03-02", "../../etc/passwd",
]
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def base_raw() -> dict:
    raw = read_yaml(TUTORIAL)
    raw["run"].update(SHORT)
    return raw


def leaf_paths(node, prefix=()) -> list[tuple]:
    """Every path to a value or a container in the YAML tree."""
    paths = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            paths += leaf_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += leaf_paths(value, (*prefix, index))
    return paths


PATHS = leaf_paths(base_raw())


@contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_outcome(path: Path, out: Path) -> None:
    with time_limit(120):
        result = RUNNER.invoke(app, ["run", str(path), "--out", str(out), "--no-parcels"])
    check_outcome_of(result, out)


def write_copy(folder: Path, raw: dict, nodes: bytes | None = None) -> Path:
    (folder / "tutorial").mkdir(exist_ok=True)
    original = (CONFIGS / "tutorial" / "nodes.csv").read_bytes()
    (folder / "tutorial" / "nodes.csv").write_bytes(original if nodes is None else nodes)
    path = folder / "scenario.yaml"
    path.write_text(dump_yaml(raw), encoding="utf-8")
    return path


def set_path(raw: dict, path: tuple, value, delete: bool = False) -> None:
    target = raw
    for part in path[:-1]:
        target = target[part]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value


@SETTINGS
@given(path=st.sampled_from(PATHS), value=st.sampled_from(ODD_VALUES),
       action=st.sampled_from(["replace", "delete", "add"]))
def test_mutated_yaml(tmp_path_factory, path, value, action):
    raw = base_raw()
    if action == "add":
        parent = raw
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict):
            parent["surprise"] = value
    else:
        set_path(raw, path, value, delete=action == "delete")
    folder = tmp_path_factory.mktemp("yaml")
    check_outcome(write_copy(folder, raw), folder / "out")


CSV_EDITS = ["cell", "drop_column", "add_column", "duplicate_row", "truncate", "quote",
             "latin1", "empty", "header_only", "swap_kind", "self_parent"]


@SETTINGS
@given(edit=st.sampled_from(CSV_EDITS), row=st.integers(1, 38), column=st.integers(0, 9),
       value=st.sampled_from(["", "-5", "nan", "1e400", "x,y", "GW", "V410222101200",
                              "point", "999999999999", "inf", "\u00e9"]))
def test_mutated_node_table(tmp_path_factory, edit, row, column, value):
    text = (CONFIGS / "tutorial" / "nodes.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    cells = [line.split(",") for line in lines]
    if edit == "cell":
        cells[row][column] = value
    elif edit == "drop_column":
        cells = [c[:column] + c[column + 1 :] for c in cells]
    elif edit == "add_column":
        cells = [[*c, "extra" if i == 0 else value] for i, c in enumerate(cells)]
    elif edit == "duplicate_row":
        cells.insert(row, list(cells[row]))
    elif edit == "swap_kind":
        cells[row][2] = "station" if cells[row][2] == "point" else "point"
    elif edit == "self_parent":
        cells[row][3] = cells[row][0]
    body = "\n".join(",".join(c) for c in cells) + "\n"
    if edit == "truncate":
        body = body[: len(body) * row // 40]
    elif edit == "quote":
        body = body.replace(",", ',"', 1)
    elif edit == "empty":
        body = ""
    elif edit == "header_only":
        body = lines[0] + "\n"
    data = body.encode("latin-1", errors="replace") if edit == "latin1" else body.encode()
    if edit == "latin1":
        data = data.replace(b"\xe9", b"\xff") + "\u00e9".encode("latin-1")
    folder = tmp_path_factory.mktemp("csv")
    check_outcome(write_copy(folder, base_raw(), data), folder / "out")


def test_only_a_gateway_is_a_valid_empty_run(tmp_path):
    nodes = b"id,name,kind,parent,county,lon,lat,population\nGW,g,gateway,,,114,34,0\n"
    check_outcome(write_copy(tmp_path, base_raw(), nodes), tmp_path / "out")


# -- hostile text: paths, aliases, dates, tags, markup, nesting, sizes ------------------------

PASSWD_LINE = Path("/etc/passwd").read_text().splitlines()[0]
HOSTILE_PATHS = ["/etc/passwd", "../../../../etc/passwd", "/proc/self/status",
                 "tutorial/../../../../etc/passwd", "C:\\Windows\\win.ini", "/dev/zero",
                 "/", ".", "tutorial", "\x00", "nowhere.csv"]
MARKUP = ["[bold]", "[/]", "[link=http://x]x[/link]", "[red]x", "\\[x]", "]["]
DATES = ["2026-02-30", "2026-13-01", "2026-00-10", "10000-01-01", "2026-3-1", "03/02/2026",
         "2026-03-02T25:00", "20260302", "2026-03-02 12:00", "0001-01-01"]
TAGS = ["!!int abc", "!!float x", "!!binary aGk=", "!!timestamp 2026-02-30", "!!str 3",
        "!!python/object:os.system x", "!custom 1", "!!set {a}", "!!omap [a: 1]"]


@st.composite
def alias_structures(draw) -> str:
    """A YAML value built of anchors and aliases: small ones expand to little, deep ones to
    millions of values."""
    fan = draw(st.integers(1, 12))
    levels = draw(st.integers(1, 9))
    lines = [f"&h0 [{', '.join(['x'] * fan)}]"]
    for level in range(1, levels):
        lines.append(f"&h{level} [{', '.join([f'*h{level - 1}'] * fan)}]")
    return "[" + ", ".join(lines) + "]"


@st.composite
def hostile_texts(draw) -> tuple[str, str]:
    """(the tutorial's YAML with one hostile edit, what kind of edit it was)."""
    text = TUTORIAL.read_text(encoding="utf-8").replace(
        "days: 7                  # days with demand", "days: 2").replace(
        "warmup_days: 1", "warmup_days: 0").replace("drain_days: 2", "drain_days: 1")
    kind = draw(st.sampled_from(["path", "extends", "alias", "date", "tag", "markup", "deep",
                                 "number"]))
    if kind == "path":
        path = draw(st.sampled_from(HOSTILE_PATHS))
        text = text.replace("nodes: tutorial/nodes.csv", f"nodes: {json.dumps(path)}")
    elif kind == "extends":
        text = f"extends: {json.dumps(draw(st.sampled_from(HOSTILE_PATHS)))}\n" + text
    elif kind == "alias":
        text += f"surprise: {draw(alias_structures())}\n"
    elif kind == "date":
        text = text.replace("start_date: 2026-03-02", f"start_date: {draw(st.sampled_from(DATES))}")
    elif kind == "tag":
        field = draw(st.sampled_from(["  seed: 1", "  days: 2", "name: 通许县教学示例"]))
        key = field.split(":")[0]
        text = text.replace(field, f"{key}: {draw(st.sampled_from(TAGS))}", 1)
    elif kind == "markup":
        name = "".join(draw(st.lists(st.sampled_from(MARKUP), min_size=1, max_size=4)))
        text = text.replace("name: 通许县教学示例（精简）",
                            f"name: {json.dumps(name)}")
    elif kind == "deep":
        depth = draw(st.integers(30, 3000))
        text += "surprise: " + "[" * depth + "]" * depth + "\n"
    else:
        number = draw(st.sampled_from(["1e400", "-1e400", "1e21", "99999999999999999999999",
                                       ".nan", "0x7fffffffffffffffff"]))
        field = draw(st.sampled_from(["  seed: 1", "  days: 2", "  travel_noise_cv: 0.15"]))
        text = text.replace(field, f"{field.split(':')[0]}: {number}", 1)
    return text, kind


@SETTINGS
@given(case=hostile_texts())
def test_hostile_text_ends_in_a_message_that_shows_no_other_file(tmp_path_factory, case):
    """Any of these ends in a valid run or exit 2 with `error: file: field: problem`, never a
    traceback or a hang, and never shows a line of a file outside the scenario."""
    text, _ = case
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "tutorial").mkdir()
    (folder / "tutorial" / "nodes.csv").write_bytes((CONFIGS / "tutorial" / "nodes.csv")
                                                    .read_bytes())
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    with time_limit(120):
        result = RUNNER.invoke(app, ["run", str(path), "--out", str(folder / "out"),
                                     "--no-parcels"])
    check_outcome_of(result, folder / "out")
    assert PASSWD_LINE not in result.output and "Umask" not in result.output


def check_outcome_of(result, out: Path) -> None:
    """Exit 0 with a summary, or exit 2 with a message and no summary; nothing else."""
    output = result.output
    assert "Traceback" not in output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), output
    if result.exit_code == 2:
        first = output.strip().splitlines()[0]
        assert first.startswith("error: "), output
        assert ": " in first.removeprefix("error: "), output
        assert not (out / "summary.json").exists()
    else:
        assert (out / "summary.json").exists()
