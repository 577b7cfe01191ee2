"""Plan: the cheapest decisions a plan file names that meet its targets around the run
shown, verified on fresh seeds; the changes on the map, the cost against the tightness of
one target. The search is `sim plan`'s greedy one (the command line also enumerates)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.errors import UserError
from sim.experiment.capacity import Target
from sim.experiment.plan.file import PlanFile, read_plan_file
from sim.experiment.plan.search import PlanResult
from sim.i18n import _, number, percent
from sim.results.columns import (
    PLAN_CHANGES,
    PLAN_VERDICTS,
    plan_binding_words,
    plan_change_rows,
    plan_cost_words,
    plan_frontier_rows,
    plan_verdict_rows,
)
from sim.scenario import LoadedScenario
from sim.ui import maps, tables
from sim.ui.fragments import fragment
from sim.ui.kpis import KPIS
from sim.ui.levers import setting_name
from sim.ui.pictures import frontier_chart
from sim.ui.runs import CONFIGS, RunRecord
from sim.ui.session import cached_plan

PLANS = CONFIGS / "plans"
SHOWN = "plan:shown"  # session key: the plan the tab shows
SIGNS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def plan_files(key: str) -> dict[Path, PlanFile]:
    """The bundled plan files written for the scenario shown (a bundled one)."""
    kind, _sep, name = key.partition(":")
    if kind != "bundled":
        return {}
    found = {}
    for path in sorted(PLANS.glob("*.yaml")):
        plan = read_plan_file(path)
        if plan.scenario and (path.parent / plan.scenario).resolve() == CONFIGS / name:
            found[path] = plan
    return found


@fragment
def show(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    """The plan file, the search with its progress, and its answer; a rerun of this part
    only."""
    if record.scenario_key != key:
        st.info(_("Run the chosen scenario first: a plan starts from the run shown."))
        return
    files = plan_files(key)
    if not files:
        st.info(_("No plan file is written for this scenario: plan files are in "
                  "configs/plans/, and `sim plan --file PLAN.yaml` searches any of them "
                  "(docs/planning.md)."))
        return
    path = st.selectbox(_("Plan file"), list(files), format_func=lambda p: p.name,
                        key=f"plan:file:{key}")
    plan = files[path]
    st.caption(_("Targets: {targets}. Demand: {conditions}. Each candidate runs {reps} "
                 "replications of each; the plan found is verified on {fresh} fresh seeds.")
               .format(targets=_("; ").join(said(target) for target in plan.targets),
                       conditions=_("; ").join(plan.conditions), reps=plan.reps,
                       fresh=plan.verify_reps))
    st.caption(_("The search runs many simulations: on a network the size of Kaifeng's, "
                 "tens of minutes. `sim plan --file configs/plans/{file}` runs the same "
                 "search from the command line and resumes one cut short.").format(
                     file=path.name))
    if st.button(_("Search for the plan")):
        told = st.empty()  # the greedy search cannot know its runs ahead: it counts them
        done = [0]

        def counted(runs: int) -> None:
            done[0] += runs
            told.caption(_("Searching: {runs} runs done").format(runs=number(done[0])))

        try:
            with st.spinner(_("Searching...")):
                cached_plan(scenario, key, record.overrides, path, counted)
        except UserError as error:
            st.error(error.message)
            return
        finally:
            told.empty()
        st.session_state[SHOWN] = (key, record.overrides, path)
    shown = st.session_state.get(SHOWN)
    result = st.session_state.get("plans", {}).get(shown)
    if result is not None and shown[:2] == (key, record.overrides) and shown[2] == path:
        answer(result, record)


def said(target: str, value: float | None = None) -> str:
    """A target (`kpi<=value` as the plan file writes it) in words, or one of its KPI's
    values as the page writes that KPI (shares as %)."""
    if target == "stable":
        return _("no backlog keeps growing") if value is None else percent(value)
    parsed = Target.parse(target)
    kpi = KPIS.get(parsed.kpi)
    if value is not None:
        return kpi.value(value) if kpi else f"{value:.4g}"
    name = kpi.name if kpi else parsed.kpi
    bound = kpi.value(parsed.value) if kpi else f"{parsed.value:g}"
    return f"{name} {SIGNS[parsed.op]} {bound}"


def answer(result: PlanResult, record: RunRecord) -> None:
    """What to change where, what it costs and saves, whether the targets hold on fresh
    seeds, and the price of each step of the frontier."""
    if not result.feasible:
        st.warning(plan_binding_words(result, said))
    else:
        st.success(plan_cost_words(result))
        changes = plan_change_rows(result, record.names)
        changes = changes.assign(decision=changes["named_by"].map(setting_name))
        heading(_("Changes"))
        tables.table(changes, PLAN_CHANGES)
        st.pydeck_chart(maps.deck(maps.plan_parts(record, changes)))
        st.markdown(maps.plan_legend(), unsafe_allow_html=True)
        heading(_("Targets on fresh seeds"))
        tables.table(plan_verdict_rows(result, said), PLAN_VERDICTS)
    if result.frontier:
        target = result.frontier[0][0]
        heading(_("Cost against the target"))
        st.altair_chart(frontier_chart(plan_frontier_rows(result),
                                       KPIS[target.kpi].name if target.kpi in KPIS
                                       else target.kpi), width="stretch")


def heading(text: str) -> None:
    st.markdown("**" + text + "**")
