"""`sim plan`: the cheapest decisions meeting targets, judged with common random numbers and
verified on fresh seeds; exhaustive search as the ground truth for the greedy one."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from typer.testing import CliRunner

from sim import api
from sim.cli import app as cli
from sim.errors import ScenarioError
from sim.experiment.executors import InlineExecutor
from sim.experiment.plan.file import (
    Decision,
    PlanFile,
    Variable,
    read_plan_file,
    targets_of,
    variables,
)
from sim.experiment.plan.output import changes
from sim.experiment.plan.search import Evaluator, PlanResult, verify
from sim.network import build_network
from sim.scenario import with_overrides

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL_PLAN = ROOT / "configs" / "plans" / "tutorial.yaml"


def small_plan(tmp_path: Path, **changes) -> Path:
    """configs/plans/tutorial.yaml made small enough to enumerate in seconds: vans 1-2 at
    each station, 1-3 departures (48 candidates), 2 replications of 4 days (too short to
    tell a growing backlog from a busy last day: `stable` is off)."""
    plan = yaml.safe_load(TUTORIAL_PLAN.read_text(encoding="utf-8"))
    plan["scenario"] = str(ROOT / "configs" / "tutorial.yaml")
    plan["reps"], plan["verify_reps"] = 2, 4
    plan["conditions"] = {name: ["run.days=4", *extra]
                          for name, extra in plan["conditions"].items()}
    plan["decisions"]["village_vans"]["range"] = [1, 2]
    plan["stable"] = False
    plan.pop("frontier")  # only where a test asks for one
    for key, value in changes.items():
        plan[key] = value
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> tuple[Path, PlanResult, PlanResult]:
    """The small plan searched both ways: every candidate, and greedily."""
    path = small_plan(tmp_path_factory.mktemp("plan"), frontier={"target": 1, "values": [
        0.86, 0.88, 0.9, 0.95]})
    return (path, api.plan(None, path, method="exhaustive", workers=1),
            api.plan(None, path, method="greedy", workers=1))


def test_the_greedy_search_finds_the_exhaustive_searchs_plan(searched):
    path, truth, found = searched
    assert truth.method == "exhaustive" and found.method == "greedy"
    assert len(truth.judged) == 2 ** 4 * 3  # every candidate
    assert truth.feasible and found.feasible
    assert found.best.values == truth.best.values
    assert found.runs < truth.runs  # it got there with fewer runs
    # no cheaper candidate meets the targets on the search's replications, and the plan is
    # no dearer than the scenario as it is
    targets = targets_of(read_plan_file(path), str(path))
    cheaper = [j for j in truth.judged if j.cost_per_day < truth.best.cost_per_day]
    assert cheaper
    assert not any(all(t.holds(j.mean(c, t.kpi)) for c in j.kpis for t in targets)
                   for j in cheaper)
    assert truth.best.cost_per_day <= truth.baseline.cost_per_day
    assert all(v.held for v in truth.verdicts)


def test_the_frontier_costs_more_as_the_target_tightens(searched):
    """Each value of the on-time target searched again from the same candidates: a tighter
    target never costs less, and one no candidate meets is reported, not planned."""
    frontier = searched[1].frontier
    assert [str(target) for target, _plan in frontier] == [
        f"by_tier.point.on_time_rate>={value}" for value in (0.86, 0.88, 0.9, 0.95)]
    costs = [plan.best.cost_per_day for _target, plan in frontier if plan.feasible]
    assert costs and costs == sorted(costs)
    loosest, tightest = frontier[0][1], frontier[-1][1]
    assert loosest.feasible and not tightest.feasible
    assert tightest.binding["target"] == "by_tier.point.on_time_rate>=0.95"
    assert tightest.binding["best_value"] < 0.95
    assert all(plan.judged == searched[1].judged or plan.runs <= 2 * 4 * 5
               for _target, plan in frontier)  # only verification runs again


def test_fewer_vans_cost_less_and_the_search_counts_them(searched):
    """The objective is the simulated cost a day: fewer village vans, fewer vehicle-days."""
    result = searched[1]
    by_values = {j.values: j.cost_per_day for j in result.judged}
    assert by_values[(1, 1, 1, 1, 2)] < by_values[(2, 2, 2, 2, 2)]
    assert by_values[(2, 2, 2, 2, 1)] < by_values[(2, 2, 2, 2, 3)]


def test_a_target_met_only_on_the_mean_is_not_verified(tmp_path):
    """Verification judges by the 95% interval on fresh seeds: a target set at the fresh
    mean itself holds on the mean but not with confidence."""
    path = small_plan(tmp_path)
    plan = read_plan_file(path)
    scenario = api.read(ROOT / "configs" / "tutorial.yaml")
    found = variables(plan, scenario, build_network(scenario), str(path))
    probe = Evaluator(scenario, plan, found, targets_of(plan, str(path)), InlineExecutor())
    baseline = probe.judge([tuple(v.baseline for v in found)])[0]
    share = next(v for v in verify(probe, baseline)[0]
                 if v.target.startswith("by_tier.point.on_time_rate"))
    edge = plan.model_copy(update={"targets": [f"by_tier.point.on_time_rate>={share.mean!r}"]})
    judge = Evaluator(scenario, edge, found, targets_of(edge, str(path)), InlineExecutor())
    verdict = verify(judge, baseline)[0][0]
    assert verdict.by_mean and not verdict.held
    assert verdict.ci_low < verdict.mean < verdict.ci_high


def test_sim_plan_writes_a_plan_that_sim_run_reproduces(tmp_path):
    out = tmp_path / "plan"
    result = CliRunner().invoke(cli, ["plan", "--file", str(small_plan(tmp_path)), "--out",
                                      str(out), "--method", "greedy", "--workers", "1"])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert document["feasible"] is True
    assert document["plan"]["cost_per_day"] <= document["baseline"]["cost_per_day"]
    assert all(v["held"] for v in document["verified"])
    assert {v["condition"] for v in document["verified"]} == {"平常一周", "多一成"}
    changes = (out / "changes.csv").read_bytes()
    assert changes.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese place names
    assert "竖岗镇".encode() in changes or len(document["plan"]["overrides"]) == 0
    planned = api.read(out / "scenario.yaml")
    vans = [o for o in document["plan"]["overrides"] if o.startswith("node_overrides.")]
    assert vans
    for override in vans:
        key, _sep, value = override.partition("=")
        _nodes, node, field = key.split(".")
        assert getattr(planned.config.node_overrides[node], field) == int(value)
    again = api.run(planned, ["run.days=4"])  # the planned scenario runs as it is
    assert again.summary["on_time_rate"] > 0
    assert not math.isnan(document["seconds"])


@pytest.mark.parametrize(("decision", "field", "problem"), [
    ({"key": "fleets.village.wheels", "range": [1, 3]}, "decisions.bad.key", "wheels"),
    ({"vehicles": "village", "range": [3, 4]}, "decisions.bad.range",
     "does not hold the scenario's value 2"),
    ({"vehicles": "village", "at": ["S999"], "range": [1, 3]}, "decisions.bad.at", "S999"),
    ({"vehicles": "rickshaw", "range": [1, 3]}, "decisions.bad", "unknown fleet"),
    ({"key": "pickup.door_share", "levels": [0.2, 0.5]}, "decisions.bad.levels",
     "does not hold the scenario's value 0.1"),
    ({"key": "pickup.door_share", "range": [0, 1]}, "decisions.bad.key",
     "give levels for a rate or a share"),
    ({"key": "pickup.door_share", "levels": [0.1, 1.5]}, "decisions.bad.levels",
     "door_share"),
    ({"key": "fleets.village.dispatch", "levels": [1, 2]}, "decisions.bad.key",
     "not a numeric setting"),
    ({"vehicles": "village", "levels": [1, 2]}, "decisions.bad", "only for a key"),
])
def test_a_bad_decision_exits_2_naming_the_file_and_field(tmp_path, decision, field, problem):
    path = small_plan(tmp_path, decisions={"bad": decision})
    result = CliRunner().invoke(cli, ["plan", "--file", str(path), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert str(path.name) in result.output and field in result.output
    assert problem in result.output
    assert not (tmp_path / "out").exists()  # refused before a folder is made


def test_a_target_on_an_unknown_kpi_exits_2(tmp_path):
    path = small_plan(tmp_path, targets=["by_tier.point.lead_time_h.p96<=48"])
    result = CliRunner().invoke(cli, ["plan", "--file", str(path), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "by_tier.point.lead_time_h.p96" in result.output and "p95" in result.output


def test_the_bundled_plan_file_is_valid():
    plan = read_plan_file(TUTORIAL_PLAN)
    assert isinstance(plan, PlanFile)
    scenario = api.read(TUTORIAL_PLAN.parent / str(plan.scenario))
    found = variables(plan, scenario, build_network(scenario), str(TUTORIAL_PLAN))
    assert len(found) == 5  # four stations' vans and the departures
    assert math.prod(v.high - v.low + 1 for v in found) == 243


def test_targets_no_plan_can_meet_end_with_the_binding_target(tmp_path):
    path = small_plan(tmp_path, targets=["by_tier.point.on_time_rate>=0.999"])
    out = tmp_path / "plan"
    result = CliRunner().invoke(cli, ["plan", "--file", str(path), "--out", str(out),
                                      "--method", "greedy", "--workers", "1"])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert document["feasible"] is False and document["plan"] is None
    binding = document["binding"]
    assert binding["target"] == "by_tier.point.on_time_rate>=0.999"
    assert 0 < binding["best_value"] < 0.999 and binding["at_cost_per_day"] > 0
    assert "by_tier.point.on_time_rate>=0.999" in result.output
    assert (out / "changes.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # header


def test_an_exhaustive_search_beyond_the_runs_limit_is_refused_before_it_runs(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("SIM_MAX_RUNS", "50")
    path = small_plan(tmp_path, method="exhaustive")
    result = CliRunner().invoke(cli, ["plan", "--file", str(path), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "192 runs" in result.output and "SIM_MAX_RUNS" in result.output


def test_a_plan_searches_on_a_dask_cluster_as_on_the_local_pool(tmp_path):
    """The same executors as sweeps: the plan found on a Dask LocalCluster is the one found
    in-process, cost for cost (the runs are the same replications)."""
    path = small_plan(tmp_path, decisions={"vans": {"vehicles": "village", "at": "all",
                                                    "range": [1, 2]}},
                      conditions={"ordinary": ["run.days=4"]}, verify_reps=2)
    inline = api.plan(None, path, workers=1)
    on_dask = api.plan(None, path, dask="local")
    assert inline.best.values == on_dask.best.values
    assert [j.cost_per_day for j in inline.judged] == [j.cost_per_day for j in on_dask.judged]


def test_a_search_cut_short_resumes_where_it_stopped(tmp_path, searched):
    """Every finished run is kept in the plan folder: the same command again runs only what
    is missing and recommends what an uninterrupted search recommends."""
    path = small_plan(tmp_path)
    out = tmp_path / "plan"
    done = [0]

    def cut_after_forty(runs: int) -> None:
        done[0] += runs
        if done[0] >= 40:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.plan(None, path, out, workers=1, method="exhaustive", progress=cut_after_forty)
    assert not (out / "plan.json").exists()
    kept = len(list((out / "runs").iterdir()))
    assert kept >= 20  # tasks of 2 replications each
    resumed = api.plan(None, path, out, workers=1, method="exhaustive")
    whole = searched[1]  # the same search, never cut short
    assert resumed.runs == whole.runs - 2 * kept
    assert resumed.best.values == whole.best.values
    assert [j.cost_per_day for j in resumed.judged] == [j.cost_per_day for j in whole.judged]
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["feasible"]


def test_a_decision_on_levels_moves_a_share_and_prices_it(tmp_path):
    """Door delivery as levels of a share: each level is run as written, and its investment is
    its cost per unit x the change (door delivery costs the simulation nothing, so with
    common random numbers the two candidates' costs differ by exactly that)."""
    path = small_plan(tmp_path, decisions={"door": {
        "key": "pickup.door_share", "levels": [0.1, 0.5], "cost_per_unit_day": 1000}},
        targets=["by_tier.point.on_time_rate>=0.5"])
    result = api.plan(None, path, method="exhaustive", workers=1)
    now, more = sorted(result.judged, key=lambda j: j.values)
    assert (now.values, more.values) == ((0,), (1,))
    assert more.cost_per_day - now.cost_per_day == pytest.approx(400.0)
    for condition in now.kpis:  # more parcels to the door: villagers wait less
        assert (more.mean(condition, "by_tier.point.lead_time_h.mean")
                < now.mean(condition, "by_tier.point.lead_time_h.mean"))
    assert result.overrides(more) == ["pickup.door_share=0.5"]
    assert result.best is now  # both meet the loose target; the scenario's is cheaper


def test_a_resized_fleet_is_said_as_vehicles_at_each_base_with_its_county():
    """A plan that sets a fleet-wide number is also written as the vans each station gains,
    so that a planner reads what to buy where."""
    scenario = api.read(ROOT / "configs" / "tutorial.yaml")
    vans = Variable("village_vans", "", "fleets.village.vehicles", 2, 2, 3, 150.0)
    chosen = SimpleNamespace(variables=[vans], best=SimpleNamespace(values=(3,)),
                             overrides=lambda: vans.overrides(3))
    now = build_network(scenario)
    table = changes(chosen, scenario, now)
    setting, *bases = table.to_dict(orient="records")
    assert setting["setting"] == "fleets.village.vehicles" and setting["change"] == 1
    assert setting["investment_per_day"] == 150.0
    stations = {str(now.tree.ids[r.base]) for r in now.routes if r.fleet == "village"}
    assert {b["node_id"] for b in bases} == stations
    assert all(b["scenario"] == 2 and b["plan"] == 3 and b["county"] for b in bases)
    assert all(b["decision"] == "village_vans" for b in bases)  # the decision that did it
    assert all(b["place"] != b["node_id"] for b in bases)  # by name


def test_the_kaifeng_plan_file_is_valid():
    path = ROOT / "configs" / "plans" / "kaifeng.yaml"
    plan = read_plan_file(path)
    scenario = api.read(path.parent / str(plan.scenario))
    found = variables(plan, scenario, build_network(scenario), str(path))
    assert [v.decision for v in found] == list(plan.decisions)
    assert all(v.value(v.baseline) == value for v, value in zip(found, [
        0.7, 3500, 450, 0.7, 0.1], strict=True))  # each starts at the scenario's value
    assert set(plan.conditions) == {"三月平日", "双十一两周"}


def test_a_frontier_may_move_its_target_alone(tmp_path):
    """With `others: drop` each level judges only the frontier's target: a loose level of
    the p95 alone costs no more than the plan that also meets the on-time target."""
    path = small_plan(tmp_path, frontier={"target": 0, "values": [60, 80], "others": "drop"})
    result = api.plan(None, path, method="greedy", workers=1)
    assert result.feasible
    for target, level in result.frontier:
        assert {v.target for v in level.verdicts} == {str(target)}
        assert level.best.cost_per_day <= result.best.cost_per_day
    assert [str(t) for t, _level in result.frontier] == [
        "by_tier.point.lead_time_h.p95<=60", "by_tier.point.lead_time_h.p95<=80"]


def test_the_search_says_the_runs_it_asks_for_as_it_goes(tmp_path):
    """A greedy search cannot know its runs ahead; it tells each step's as it asks, so the
    command line's estimate of time left is the step's. Every run asked is done."""
    path = small_plan(tmp_path, frontier={"target": 1, "values": [0.86, 0.9]})
    done, asked = [], []
    result = api.plan(None, path, method="greedy", workers=1, progress=done.append,
                      planned=asked.append)
    assert asked == sorted(asked) and len(asked) > 2
    assert asked[-1] == sum(done) == result.runs + sum(level.runs for _t, level
                                                       in result.frontier)


def test_goods_decisions_address_a_hub_by_name():
    """Reefers and cold storage at a cold-chain base and the stations' cold rooms are
    decisions like any other: hubs by name, as overrides address them."""
    path = ROOT / "configs" / "plans" / "kaifeng.yaml"
    plan = read_plan_file(path).model_copy(update={"decisions": {
        name: Decision.model_validate(decision) for name, decision in {
            "reefers": {"key": "hubs.qi_base.fleets.collect.vehicles", "range": [8, 12]},
            "cold_store": {"key": "hubs.qi_base.cold_storage_pallets",
                           "levels": [3000, 4000], "cost_per_unit_day": 3},
            "cold_rooms": {"key": "precooling.pallets", "levels": [12, 24]}}.items()}})
    scenario = api.read(path.parent / str(plan.scenario))
    reefers, store, rooms = variables(plan, scenario, build_network(scenario), str(path))
    assert (reefers.baseline, store.value(store.baseline), rooms.value(rooms.baseline)) == (
        8, 3000, 12)
    assert store.investment(1) == 3000.0
    planned = with_overrides(scenario, [*reefers.overrides(10), *store.overrides(1),
                                        *rooms.overrides(1)])
    qi = next(hub for hub in planned.config.hubs if hub.name == "qi_base")
    assert (qi.fleets.collect.vehicles, qi.cold_storage_pallets) == (10, 4000)
    assert planned.config.precooling.pallets == 24
    bad = plan.model_copy(update={"decisions": {"store": Decision.model_validate(
        {"key": "hubs.nowhere.cold_storage_pallets", "levels": [1, 2]})}})
    with pytest.raises(ScenarioError) as refused:
        variables(bad, scenario, build_network(scenario), str(path))
    assert refused.value.field == "decisions.store.key"


def test_changes_are_written_as_a_planner_reads_them(tmp_path):
    """A rate stays a whole number and a share's change has no float noise in changes.csv."""
    scenario = api.read(ROOT / "configs" / "tutorial.yaml")
    rate = Variable("sorting", "", "facilities.park.rate_per_h", 0, 0, 1, 2.0,
                    levels=(scenario.config.facilities.park.rate_per_h, 5000))
    share = Variable("door", "", "pickup.door_share", 0, 0, 1, 0.0, levels=(0.1, 0.4))
    chosen = SimpleNamespace(variables=[rate, share], best=SimpleNamespace(values=(1, 1)),
                             overrides=lambda: [*rate.overrides(1), *share.overrides(1)])
    table = changes(chosen, scenario, build_network(scenario))
    table.to_csv(tmp_path / "changes.csv", index=False)
    written = (tmp_path / "changes.csv").read_text(encoding="utf-8")
    assert ",5000," in written and "5000.0" not in written
    assert ",0.4,0.3," in written and "0.30000" not in written
