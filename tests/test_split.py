"""Networks of several cities: split by city across workers, whole in one process, the same
results; what joins cities is named; exact merged quantiles; failing cities; sizes."""

from __future__ import annotations

import json
import tempfile
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim import api
from sim.cli import app
from sim.errors import UserError
from sim.experiment.design import SweepFile, with_options
from sim.experiment.executors import InlineExecutor, executor
from sim.experiment.split import driver
from sim.experiment.split.driver import PartsFailed, run_split, run_whole
from sim.experiment.split.merge import order_statistic
from sim.experiment.split.partial import Cell, SortedRun
from sim.limits import Limits
from sim.results.parcels import QUANTILES, lead_summary, percentiles
from sim.scenario import with_replication
from sim.scenario.files import LocalFiles
from sim.scenario.yamlio import dump_yaml, read_yaml
from tests.conftest import CONFIGS, TUTORIAL

THREE_CITIES = CONFIGS / "henan_three_cities.yaml"
SHIFTS = [(0.0, 0.0), (0.6, 0.3), (-0.5, 0.4)]  # each copy of the tutorial county, moved


@pytest.fixture
def cities(tmp_path: Path):
    """The tutorial's county copied into three cities, each under its own hub (tiny: a
    week of three cities runs in about a second)."""

    def make(*overrides: str, count: int = 3, **limits: int) -> api.LoadedScenario:
        table = pd.read_csv(CONFIGS / "tutorial" / "nodes.csv", dtype=str,
                            keep_default_na=False)
        pieces = [table.iloc[[0]]]
        for number, (east, north) in enumerate(SHIFTS[:count]):
            city = table.iloc[1:].copy()
            city["id"] = f"C{number}" + city["id"]
            city["parent"] = city["parent"].where(city["parent"] == "GW",
                                                  f"C{number}" + city["parent"])
            city["name"] += str(number)
            city["county"] = city["county"].where(city["county"] == "",
                                                  city["county"] + str(number))
            city["lon"] = (city["lon"].astype(float) + east).map("{:.6f}".format)
            city["lat"] = (city["lat"].astype(float) + north).map("{:.6f}".format)
            pieces.append(city)
        pd.concat(pieces).to_csv(tmp_path / "nodes.csv", index=False)
        raw = read_yaml(TUTORIAL)
        raw["network"]["nodes"] = "nodes.csv"
        raw["fleets"]["trunk"]["loop_per_stop"] = True
        path = tmp_path / "cities.yaml"
        path.write_text(dump_yaml(raw), encoding="utf-8")
        files = LocalFiles(Limits(**limits)) if limits else None
        return api.read(path, list(overrides), files)

    return make


def summary_text(results) -> str:
    return (Path(results) / "summary.json").read_text(encoding="utf-8") \
        if isinstance(results, Path) else json.dumps(results.summary, ensure_ascii=False)


def parcel_rows(folder: Path) -> pd.DataFrame:
    table = ds.dataset(folder / "parcels", partitioning="hive").to_table().to_pandas()
    return table.sort_values(["city", "id"]).reset_index(drop=True)


def run_into(folder: Path, scenario_path: Path, *options: str) -> None:
    result = CliRunner().invoke(app, ["run", str(scenario_path), "--out", str(folder),
                                      *options])
    assert result.exit_code == 0, result.output


def test_split_and_whole_runs_of_three_henan_cities_write_the_same_bytes(tmp_path):
    """济源, 鹤壁 and 漯河 for three days: whole in one process, split on a local pool and
    on a Dask LocalCluster give byte-identical summary.json and the same parcel rows."""
    run_into(tmp_path / "whole", THREE_CITIES, "--workers", "1")
    run_into(tmp_path / "pool", THREE_CITIES, "--workers", "2")
    run_into(tmp_path / "dask", THREE_CITIES, "--workers", "2", "--dask", "local")
    whole = (tmp_path / "whole" / "summary.json").read_bytes()
    summary = json.loads(whole)
    assert len(summary["by_county"]) > 5 and summary["parcels"]["created"] > 100_000
    assert summary["fleets"]["trunk"]["routes"] == 3  # one trunk loop to each city's hub
    rows = parcel_rows(tmp_path / "whole")
    assert len(rows) == summary["parcels"]["created"]
    assert rows["city"].nunique() == 3
    for split in ("pool", "dask"):
        assert (tmp_path / split / "summary.json").read_bytes() == whole
        assert parcel_rows(tmp_path / split).equals(rows)  # assert_frame_equal: a minute
        for name in ("trips.parquet", "facility_hours.parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / split / name),
                                          pd.read_parquet(tmp_path / "whole" / name))
        assert not (tmp_path / split / "parts").exists()  # the lead-time scratch is gone


def test_each_city_of_a_whole_run_is_the_city_run_alone(cities):
    """The engine keeps cities apart: the stamps of every parcel of a city, in the whole
    run, are those of the city's run alone (the merged summary then cannot differ)."""
    scenario = cities()
    whole = run_whole(scenario, None)
    with executor(2) as pool:
        split = run_split(scenario, pool, None)
    assert json.dumps(split.summary) == json.dumps(whole.summary)
    for ours, theirs in zip(split.parts, whole.parts, strict=True):
        assert ours.counts == theirs.counts and ours.cells == theirs.cells
        assert np.array_equal(ours.lead_times(), theirs.lead_times())
        pd.testing.assert_frame_equal(ours.table("trips"), theirs.table("trips"))
    # the merged counts are the sums of the cities' and the whole network's conservation
    created = sum(p.counts["created"] for p in whole.parts)
    assert whole.summary["parcels"]["created"] == created
    assert whole.summary["conservation"]["holds"]


def test_merged_quantiles_are_numpys_over_all_cities(cities):
    """Quantiles of the merged run equal np.percentile over every city's parcels read back
    from the parcels dataset; means and counts agree too."""
    scenario = cities()
    merged = run_whole(scenario, None)
    leads = np.concatenate([p.lead_times() for p in merged.parts])
    block = merged.summary["lead_time_h"]
    assert block["count"] == len(leads)
    expected = np.percentile(leads, list(QUANTILES.values()))
    assert [block[name] for name in QUANTILES] == expected.tolist()
    assert block["mean"] == pytest.approx(leads.mean(), rel=1e-12)
    assert block["max"] == leads.max()


@given(st.lists(st.lists(st.floats(0, 500, allow_subnormal=False), min_size=1, max_size=40),
                min_size=1, max_size=6), st.integers(1, 7), st.data())
def test_order_statistics_over_sorted_runs_are_exact(runs, step, data):
    """The k-th value of many sorted runs, found by bisection over the bits counting in
    each run (in memory, or a window at a time from a file through the run's sketch), is
    the k-th value of their union sorted; the percentiles built on it are numpy's."""
    values = np.concatenate([np.sort(np.array(run)) for run in runs])
    starts = np.cumsum([0, *map(len, runs)])
    cells = [Cell(key=("down", "point", "all", "joint"), parcels=end - start, on_time=0,
                  total=0.0, largest=float(values[end - 1]), start=int(start), end=int(end),
                  sketch=values[start:end:step].copy(), step=step)
             for start, end in pairwise(starts)]
    union = np.sort(values)
    rank = data.draw(st.integers(0, len(union) - 1))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.f64"
        values.tofile(path)
        for kept in ([SortedRun(cell, values=values) for cell in cells],
                     [SortedRun(cell, path=str(path)) for cell in cells]):
            assert order_statistic(kept, rank, float(union[-1])) == union[rank]
            got = percentiles(len(union), float(union[-1]), lambda ranks, kept=kept: {
                r: order_statistic(kept, r, float(union[-1])) for r in ranks})
            assert got == np.percentile(union, list(QUANTILES.values())).tolist()
    assert lead_summary(0, None, [], None)["count"] == 0


def test_a_trunk_shared_by_cities_is_named_and_the_run_is_whole(cities, tmp_path):
    """Without a trunk loop per hub the gateway's vehicles serve several cities: the
    command says so, names the fleet, and runs the network whole."""
    scenario = cities("fleets.trunk.loop_per_stop=false")
    count, joined = api.cities(scenario)
    assert count == 3 and "fleets.trunk" in joined and "GW" in joined
    with pytest.raises(UserError, match=r"cannot run apart: fleets\.trunk"):
        run_split(scenario, InlineExecutor(), None)
    result = CliRunner().invoke(app, ["run", str(scenario.path), "--set",
                                      "fleets.trunk.loop_per_stop=false", "--workers", "2",
                                      "--no-parcels", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "run whole in one process: fleets.trunk" in " ".join(result.output.split())
    assert (tmp_path / "out" / "summary.json").exists()
    assert not (tmp_path / "out" / "parcels").exists()


def test_disruptions_join_the_cities(cities):
    scenario = cities("disruptions.arrivals=[{name: held, start: '2026-03-03 00:00', "
                      "end: '2026-03-03 06:00'}]")
    assert "disruptions" in api.cities(scenario)[1]


def test_a_city_that_fails_is_retried_once_then_named(cities, monkeypatch):
    """A city whose run fails once runs again and the run completes; one that always fails
    is reported by its city's name, with how many cities ran."""
    scenario = cities()
    real = driver.Simulation
    failures = {"C1HUB": 1, "C2HUB": 99}

    def flaky(city, *args, **kwargs):
        hub = city.nodes.loc[city.nodes["kind"] == "hub", "id"].iloc[0]
        if failures.get(hub, 0) > 0:
            failures[hub] -= 1
            raise RuntimeError(f"worker lost while running {hub}")
        return real(city, *args, **kwargs)

    monkeypatch.setattr(driver, "Simulation", flaky)
    with pytest.raises(PartsFailed) as error:
        run_split(scenario, InlineExecutor(), None)
    assert "开封区域商贸物流中心2 (RuntimeError: worker lost while running C2HUB)" in \
        error.value.message
    assert "the other 2 of 3 cities ran" in error.value.message
    assert failures == {"C1HUB": 0, "C2HUB": 97}  # retried once, each
    failures["C2HUB"] = 0
    failures["C1HUB"] = 1
    merged = run_split(scenario, InlineExecutor(), None)
    assert merged.summary["parcels"]["created"] > 0 and failures["C1HUB"] == 0


def test_replications_of_cities_split_on_one_pool_equal_whole_runs(cities):
    """Replications split by city (one task per replication and city, no nested pool)
    give each replication's KPIs exactly as a whole run of that replication does."""
    scenario = cities()
    split = api.replicate(scenario, 3, workers=2)
    assert not split.errors()
    for rep in range(3):
        alone = run_whole(with_replication(scenario, rep), None)
        row = split.table().iloc[rep]
        assert row["lead_time_h.p95"] == alone.summary["lead_time_h"]["p95"]
        assert row["parcels.created"] == alone.summary["parcels"]["created"]


def test_a_sweep_of_cities_runs_each_point_by_city(cities, tmp_path):
    """Sweep points of a network of cities run city by city on the sweep's executor: each
    point's KPIs are those of a whole run of that point."""
    scenario = cities()
    design = with_options(SweepFile(reps=1), ["fleets.village.vehicles=1,3"], [])
    runs = api.sweep(scenario, design, tmp_path / "sweep", workers=2).runs
    assert len(runs) == 2
    for _, row in runs.iterrows():
        vans = int(row["set.fleets.village.vehicles"])
        alone = run_whole(api.read(scenario.path, [f"fleets.village.vehicles={vans}"]), None)
        assert row["lead_time_h.p95"] == alone.summary["lead_time_h"]["p95"]


def test_the_largest_city_must_fit_one_process_and_a_whole_run_the_whole(cities):
    """Loading checks the largest city; running whole checks the whole network."""
    per_week = api.read(TUTORIAL).nodes["population"].sum() * 0.048 * 7
    scenario = cities(parcels=int(per_week * 2))  # one city fits, three do not
    with pytest.raises(UserError, match="SIM_MAX_PARCELS"):
        run_whole(scenario, None)
    assert run_split(scenario, InlineExecutor(), None).summary["parcels"]["created"] > 0
    with pytest.raises(UserError, match="in the network of 开封区域商贸物流中心0"):
        cities(parcels=int(per_week / 2))


def test_a_rerun_into_the_same_folder_replaces_the_pieces(cities, tmp_path):
    scenario = cities()
    run_into(tmp_path / "out", scenario.path, "--workers", "2")
    (tmp_path / "out" / "parcels" / "city=C0HUB" / "part-0.parquet").unlink()
    run_into(tmp_path / "out", scenario.path, "--workers", "1")
    assert sorted(p.parent.name for p in (tmp_path / "out" / "parcels").rglob("*.parquet")) \
        == ["city=C0HUB", "city=C1HUB", "city=C2HUB"]
    manifest = json.loads((tmp_path / "out" / ".sim-output.json").read_text())
    assert "parcels/" in manifest["files"] and "parts/" not in manifest["files"]
