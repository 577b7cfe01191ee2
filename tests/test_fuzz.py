"""Mutated scenario files end in a clear error (exit code 2) or a valid run: never a
traceback, never a hang."""

from __future__ import annotations

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
    output = result.output
    assert "Traceback" not in output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), output
    if result.exit_code == 2:
        first = output.strip().splitlines()[0]
        assert first.startswith("error: "), output
        assert ": " in first.removeprefix("error: "), output  # where: what
        assert not (out / "summary.json").exists()
    else:
        assert (out / "summary.json").exists()


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
