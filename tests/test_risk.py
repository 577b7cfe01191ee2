"""`sim risk`: Monte Carlo over random disruptions, risk by risk and all together, plans
compared on the same draws, on the executors sweeps use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import api
from sim.cli import app
from sim.experiment.risk.file import read_risk_file, with_disruptions
from sim.scenario.yamlio import dump_yaml

from .conftest import TUTORIAL

runner = CliRunner()

RISKS = {
    "reps": 3,
    "set": ["run.days=6"],
    "on_time_target": 0.85,
    "risks": [
        {"name": "车辆故障", "disruptions": {"random": {"breakdowns": [
            {"name": "村级车故障", "fleet": "village", "mtbf_h": 60, "mttr_h": 12}]}}},
        {"name": "分拣线故障", "disruptions": {"random": {"outages": [
            {"name": "园区线故障", "kinds": ["park"], "per_year": 150, "duration_h": 10}]}}},
    ],
    "plans": [{"name": "现状"}, {"name": "第二条线", "set": ["facilities.park.lines=2"]}],
}


def risk_file(tmp_path, **changes) -> str:
    path = tmp_path / "risks.yaml"
    path.write_text(dump_yaml({"scenario": str(TUTORIAL), **RISKS, **changes}),
                    encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("risk")
    return api.risk(None, risk_file(folder), out=folder / "out"), folder


def test_every_plan_risk_and_replication_is_run(analysed):
    result, _folder = analysed
    runs = result.runs
    assert not result.errors
    # per plan and replication: undisrupted, each risk, all together
    assert len(runs) == 2 * 3 * 4
    assert set(runs["variant"]) == {"none", "车辆故障", "分拣线故障", "all"}
    undisrupted = runs[runs["variant"] == "none"]
    assert undisrupted["resilience.extra_parcel_hours"].isna().all()


def test_risks_are_ranked_by_expected_delay_with_an_interval(analysed):
    result, _folder = analysed
    risks = result.risks()
    for _plan, mine in risks.groupby("plan"):
        assert list(mine["rank"]) == [1, 2]
        assert mine["extra_parcel_hours"].is_monotonic_decreasing
        assert (mine["ci_low"] <= mine["extra_parcel_hours"]).all()
        assert (mine["extra_parcel_hours"] <= mine["ci_high"]).all()
    runs = result.runs
    breakdowns = runs[(runs["plan"] == "现状") & (runs["variant"] == "车辆故障")]
    row = risks[(risks["plan"] == "现状") & (risks["risk"] == "车辆故障")].iloc[0]
    assert row["extra_parcel_hours"] == pytest.approx(
        breakdowns["resilience.extra_parcel_hours"].mean())


def test_each_risk_draws_the_same_alone_as_among_the_others(tmp_path):
    """A risk's random draws are keyed by its name: among other risks it strikes when and
    where it strikes alone."""
    from sim.engine.model import Simulation
    from sim.experiment.risk.file import combined

    design = read_risk_file(Path(risk_file(tmp_path)))
    base = api.read(TUTORIAL, ["run.days=6"])
    alone = Simulation(with_disruptions(base, design.risks[0].disruptions)).disruptions
    together = Simulation(with_disruptions(base, combined(design.risks))).disruptions
    theirs = [(e.start_h, e.end_h, e.nodes) for e in together.events if e.kind == "fleet"]
    assert theirs == [(e.start_h, e.end_h, e.nodes) for e in alone.events]
    assert any(e.kind == "facility" for e in together.events)


def test_plans_are_compared_on_the_same_draws(analysed):
    result, _folder = analysed
    plans = result.plans().set_index("plan")
    runs = result.runs
    delay = "resilience.extra_parcel_hours"
    first = runs[(runs["plan"] == "现状") & (runs["variant"] == "all")].set_index("replication")
    second = runs[(runs["plan"] == "第二条线") & (runs["variant"] == "all")].set_index(
        "replication")
    assert plans.loc["第二条线", "against_first"] == pytest.approx(
        (second[delay] - first[delay]).mean())
    assert plans.loc["现状", "against_first"] == 0
    # the same outages strike both plans: a second line recovers the park's backlog faster
    assert plans.loc["第二条线", "extra_parcel_hours"] < plans.loc["现状", "extra_parcel_hours"]
    lead = first["lead_time_h.p95"].to_numpy()
    assert plans.loc["现状", "lead_p95_median"] == pytest.approx(np.percentile(lead, 50))
    assert 0 <= plans.loc["现状", "days_below_target"] <= 1


def test_the_folder_holds_every_table(analysed):
    result, folder = analysed
    out = folder / "out"
    document = json.loads((out / "risk.json").read_text(encoding="utf-8"))
    assert document["replications"] == 3 and not document["errors"]
    assert [r["risk"] for r in document["risks"]][:2] == list(result.risks()["risk"][:2])
    for name in ("runs.csv", "risks.csv", "plans.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the BOM
    runs = pd.read_csv(out / "runs.csv", encoding="utf-8-sig")
    assert len(runs) == len(result.runs)


def test_the_local_pool_and_dask_give_the_same_analysis(tmp_path):
    path = risk_file(tmp_path, reps=2, plans=[{"name": "现状"}])
    inline = api.risk(None, path).runs
    pooled = api.risk(None, path, workers=2).runs
    on_dask = api.risk(None, path, dask="local").runs
    order = ["plan", "variant", "replication"]
    for other in (pooled, on_dask):
        pd.testing.assert_frame_equal(inline.sort_values(order).reset_index(drop=True),
                                      other.sort_values(order).reset_index(drop=True))


def test_sim_risk_prints_the_tables(tmp_path):
    path = risk_file(tmp_path, reps=2)
    result = runner.invoke(app, ["risk", "--file", path, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for fragment in ("Plans with every risk at once", "Risks of 现状, worst first",
                     "车辆故障", "分拣线故障", "第二条线"):
        assert fragment in result.output


@pytest.mark.parametrize(("change", "fragments"), [
    ({"risks": [{"name": "x", "disruptions": {"random": {"breakdowns": [
        {"fleet": "drones", "mtbf_h": 10, "mttr_h": 1}]}}}]},
     ("disruptions.random.breakdowns.0.fleet", "unknown fleet 'drones'")),
    ({"risks": [{"name": "all", "disruptions": {}}]}, ("reserved",)),
    ({"plans": [{"name": "a", "set": ["fleets.village.vehicles=-1"]}]},
     ("fleets.village.vehicles",)),
    ({"risks": [{"name": "x", "disruptions": {"random": {"weather": [
        {"months": {13: 0.5}, "closed": True}]}}}]}, ("months",)),
])
def test_a_bad_risk_file_exits_2(tmp_path, change, fragments):
    path = risk_file(tmp_path, **change)
    result = runner.invoke(app, ["risk", "--file", path, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert not (tmp_path / "out" / "risk.json").exists()
