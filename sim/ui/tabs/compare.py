"""Compare: runs side by side, KPIs by name with their units, and the changes against the
first run chosen where the runs are of the same network (a warning names those that are
not)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.i18n import _
from sim.results.names import RESIDENTS, kind
from sim.ui import levers, pins
from sim.ui.fragments import fragment
from sim.ui.kpis import headline
from sim.ui.pictures import distribution
from sim.ui.runs import RunRecord, same_network


@fragment
def show(record: RunRecord) -> None:
    """Choose runs; their KPIs, their changes and their lead times side by side."""
    this = _("this run")
    runs = {this: record, **pins.pinned()}
    if len(runs) < 2:
        st.info(_("Pin runs (sidebar) to compare them here."))
        return
    names = list(runs)
    baseline = pins.baselines().get(record.scenario_key)
    default = [baseline if baseline in runs and runs[baseline] is not record else names[1],
               this]  # changes of this run against its baseline
    chosen = st.multiselect(_("Runs"), names, default=default,
                            key="compare:runs",
                            help=_("Changes are against the first run chosen."))
    if len(chosen) < 2:
        st.info(_("Choose two runs or more."))
        return
    reference = runs[chosen[0]]
    others = [name for name in chosen[1:] if not same_network(runs[name], reference)]
    if others:
        st.warning(_("Not the same network as {reference}: {runs}. Their numbers are shown, "
                     "their changes are not.").format(reference=chosen[0],
                                                      runs=", ".join(others)))
    st.dataframe(side_by_side({name: runs[name] for name in chosen}), hide_index=True,
                 width="stretch")
    st.dataframe(scenarios({name: runs[name] for name in chosen}), hide_index=True,
                 width="stretch")
    lead_times = pd.concat([runs[name].by_tier.assign(run=name) for name in chosen])
    lead_times["series"] = lead_times["run"] + ": " + lead_times["tier"].map(
        lambda tier: kind(RESIDENTS, tier))
    st.altair_chart(distribution(lead_times, "series", _("Lead times by run")),
                    width="stretch")


def side_by_side(runs: dict[str, RunRecord]) -> pd.DataFrame:
    """One row per KPI (its name with its unit), one column per run, and a change column
    for each later run of the first one's network."""
    names = list(runs)
    reference = runs[names[0]]
    kpis = headline(reference.summary)
    table = {_("KPI"): [kpi.name for kpi in kpis]}
    for name, record in runs.items():
        table[name] = [kpi.value(record.kpis.get(kpi.key)) for kpi in kpis]
    for name in names[1:]:
        record = runs[name]
        if not same_network(record, reference):
            continue
        changes = []
        for kpi in kpis:
            now, before = record.kpis.get(kpi.key), reference.kpis.get(kpi.key)
            known = now is not None and before is not None and now == now and before == before
            changes.append(kpi.change(now - before) if known else "-")
        table[_("{run} against {reference}").format(run=name, reference=names[0])] = changes
    return pd.DataFrame(table)


def scenarios(runs: dict[str, RunRecord]) -> pd.DataFrame:
    """What each run is: its scenario, its settings and when it was made."""
    return pd.DataFrame({
        _("Run"): list(runs),
        _("Scenario"): [record.summary["scenario"] for record in runs.values()],
        _("Settings changed"): [levers.in_words(record.overrides) or _("as written")
                                for record in runs.values()],
        _("Made"): [record.made.strftime("%Y-%m-%d %H:%M") for record in runs.values()],
    })
