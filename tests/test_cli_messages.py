"""One error path: a user's problem exits 2 with a message, a bug exits 3 saying it is one,
and nothing a user wrote is read as terminal markup."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sim import api
from sim.cli import app

from .conftest import TUTORIAL

runner = CliRunner()
MARKUP = "[/]x[bold red]y[/bold red]"


def test_markup_in_a_scenario_name_prints_as_written(scenario_copy, tmp_path):
    path = scenario_copy(lambda raw: raw.update(name=MARKUP))
    result = runner.invoke(app, ["run", str(path), "--days", "2", "--no-parcels",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert MARKUP in result.output


def test_markup_in_a_file_name_and_a_node_id_prints_as_written(scenario_copy, tmp_path):
    missing = tmp_path / "[bold]plan[/].yaml"
    result = runner.invoke(app, ["validate", str(missing)])
    assert result.exit_code == 2
    assert f"error: {missing}: file not found" in result.output
    path = scenario_copy(nodes=lambda text: text.replace(",S410222101,", ",[/]S1,", 1))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "unknown node '[/]S1'" in result.output


@pytest.mark.parametrize("option", [["--workers", "-1"], ["--workers", "0"]])
def test_a_bad_option_is_refused_before_anything_runs(option, tmp_path):
    result = runner.invoke(app, ["sweep", str(TUTORIAL), "--grid", "run.seed=1,2", *option,
                                 "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "--workers" in result.output
    assert not (tmp_path / "s").exists()


def test_a_bug_exits_3_and_says_it_is_one(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(api, "run", broken)
    result = runner.invoke(app, ["run", str(TUTORIAL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "internal error: ZeroDivisionError: division by zero. This is a bug" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("SIM_TRACEBACK", "1")
    result = runner.invoke(app, ["run", str(TUTORIAL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "Traceback" in result.output


def test_an_interrupted_command_exits_130_quietly(monkeypatch, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "run", interrupted)
    result = runner.invoke(app, ["run", str(TUTORIAL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 130
    assert result.output.strip() == "interrupted"


def test_tags_and_deep_nesting_in_a_real_process(tmp_path):
    for name, text, expected in (
        ("tag.yaml", "name: !!int abc\n", "explicit YAML tags"),
        ("deep.yaml", "name: " + "[" * 600 + "]" * 600 + "\n", "nested more than"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith(f"error: {path}: line 1, column ")
        assert expected in done.stderr
