"""Hostile or careless input is refused by size, depth and shape before memory is spent, with
a message naming the file, the field and the problem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.limits import Limits
from sim.scenario import load_scenario
from sim.scenario.files import LocalFiles
from sim.scenario.yamlio import MAX_DEPTH, parse_yaml_text

from .conftest import CONFIGS, TUTORIAL

runner = CliRunner()
MB = 1 << 20
# a kilobyte of YAML whose aliases expand to 9^9 (387 million) values
ALIAS_BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["name: *a8"]) + "\n"
# what `sim validate` costs in a fresh process, measured from a parent that has no other child
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "sim", "validate", sys.argv[1]],
                      capture_output=True, text=True, timeout=120)
print(json.dumps({"code": done.returncode, "stderr": done.stderr, "stdout": done.stdout,
                  "seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def validate_in_a_process(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                         text=True, timeout=180, check=True)
    return json.loads(out.stdout)


def one_station_with_villages(folder: Path, villages: int) -> Path:
    lines = ["id,name,kind,parent,county,lon,lat,population",
             "GW,g,gateway,,,114,34.5,0", "HUB,h,hub,GW,,114.1,34.6,0",
             "P1,p,park,HUB,C,114.2,34.6,100", "S1,s,station,P1,C,114.3,34.6,100"]
    lines += [f"V{i},v{i},point,S1,C,{114.3 + i * 1e-5:.6f},34.7,10" for i in range(villages)]
    (folder / "tutorial").mkdir(exist_ok=True)
    (folder / "tutorial" / "nodes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "scenario.yaml"
    path.write_text(TUTORIAL.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["alias bomb", "50 MB of keys", "20,000 villages"])
def test_a_hostile_file_ends_in_a_message_within_half_a_gigabyte(tmp_path, case):
    """The issue's three cases, each in a fresh `sim validate` process: exit 2 with a message,
    peak memory under 500 MB (the process's own imports take about 200). Their times are
    measured by benchmarks/hostile_inputs.py, not asserted here."""
    if case == "alias bomb":
        path = tmp_path / "bomb.yaml"
        path.write_text(ALIAS_BOMB, encoding="utf-8")
        assert path.stat().st_size < 1024
        expected = "values once its aliases (*name) are expanded"
    elif case == "50 MB of keys":
        path = tmp_path / "big.yaml"
        with path.open("w", encoding="utf-8") as handle:
            for i in range(50 * MB // 20):
                handle.write(f"key{i:012d}: {i:03d}\n")
        expected = "more than the 4.0 MB a YAML file may have"
    else:
        path = one_station_with_villages(tmp_path, 20_000)
        expected = "20,000 nodes have it as parent, more than the limit of 2,000"
    measured = validate_in_a_process(path)
    assert measured["code"] == 2, measured
    assert expected in measured["stderr"]
    assert "Traceback" not in measured["stderr"]
    assert measured["peak_mb"] < 500, measured


def test_nesting_and_tags_are_refused_before_anything_is_built():
    with pytest.raises(ScenarioError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse_yaml_text("a: " + "[" * 50 + "]" * 50, "deep.yaml")
    for text in ("a: !!int abc", "a: !!binary aGk=", "a: !!set {x}", "a: !custom 1",
                 "a: !!timestamp 2026-02-30"):
        with pytest.raises(ScenarioError, match="explicit YAML tags"):
            parse_yaml_text(text, "tags.yaml")


def test_dates_are_text_until_the_schema_reads_them():
    assert parse_yaml_text("d: 2026-03-02", "x") == {"d": "2026-03-02"}


def test_an_impossible_date_is_a_field_error_wherever_it_is_written(scenario_copy, tmp_path):
    path = scenario_copy(lambda raw: raw["run"].update(start_date="2026-02-30"))
    text = path.read_text(encoding="utf-8").replace("'2026-02-30'", "2026-02-30")
    path.write_text(text, encoding="utf-8")  # unquoted, as a person writes it
    for args in (["validate", str(path)],
                 ["validate", str(TUTORIAL), "--set", "run.start_date=2026-02-30"],
                 ["sweep", str(TUTORIAL), "--grid", "run.start_date=2026-03-01,2026-02-30",
                  "--set", "run.days=1", "--workers", "1", "--out", str(tmp_path / "s")]):
        result = runner.invoke(app, args)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if args[0] == "sweep":  # a bad point is recorded and the sweep goes on
            assert result.exit_code == 0, result.output
            assert "day value is outside expected range" in (
                tmp_path / "s" / "points.csv").read_text(encoding="utf-8")
        else:
            assert result.exit_code == 2, result.output
            assert "run.start_date" in result.output
            assert "day value is outside expected range" in result.output


def test_a_scenario_cannot_raise_the_parcel_ceiling():
    files = LocalFiles(Limits(parcels=10_000))
    with pytest.raises(ScenarioError, match=r"more than the limit of 10,000 \(SIM_MAX_PARCELS\)"):
        load_scenario(TUTORIAL, ["run.max_parcels=1000000000000"], files)
    # it may lower it
    with pytest.raises(ScenarioError, match=r"this scenario's own run\.max_parcels"):
        load_scenario(TUTORIAL, ["run.max_parcels=1000"])


def test_the_machine_owner_sets_the_ceilings(monkeypatch):
    monkeypatch.setenv("SIM_MAX_PARCELS", "10_000")
    result = runner.invoke(app, ["validate", str(TUTORIAL)])
    assert result.exit_code == 2
    assert "more than the limit of 10,000 (SIM_MAX_PARCELS)" in result.output
    monkeypatch.setenv("SIM_MAX_PARCELS", "lots")
    result = runner.invoke(app, ["validate", str(TUTORIAL)])
    assert result.exit_code == 2
    assert "error: SIM_MAX_PARCELS: expected a whole number of 1 or more, got 'lots'" in (
        result.output)


def test_goods_volumes_are_estimated_before_lots_are_drawn():
    harvest = CONFIGS / "harvest_peak.yaml"
    files = LocalFiles(Limits(lots=100_000))
    load_scenario(harvest, files=files)  # the harvest fortnight: about 60,000 lots
    with pytest.raises(ScenarioError, match=r"lots of goods expected: about [\d,]+, more than "
                                            r"the limit of 100,000 \(SIM_MAX_LOTS\)"):
        load_scenario(harvest, ["products.garlic.per_day=1000000"], files)


def test_departures_are_estimated_before_any_vehicle_runs():
    files = LocalFiles(Limits(departures=50_000))
    load_scenario(TUTORIAL, files=files)  # a week of the tutorial: under 1,000
    with pytest.raises(ScenarioError, match="vehicle departures expected"):
        load_scenario(TUTORIAL, ["fleets.village.departures_per_day=96", "run.days=30"], files)


def test_tables_are_bounded_by_rows_and_shape(scenario_copy):
    path = scenario_copy(nodes=lambda text: text + "\n".join(
        f"V{i},v,point,S410222101,,114.6,34.3,1" for i in range(1_000_000)) + "\n")
    with pytest.raises(ScenarioError, match=r"1,000,0\d\d rows, more than the 200,000"):
        load_scenario(path)
    wide = scenario_copy(nodes=lambda text: ",".join(f"c{i}" for i in range(1000)) + "\n")
    with pytest.raises(ScenarioError, match="not a node table: its first line must name"):
        load_scenario(wide)
