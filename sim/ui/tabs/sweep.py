"""Sweep: one lever over a list of values against a KPI, with 95% intervals.

Any lever of the sidebar, the operating modes and the scenario's cold-chain levers; values
are checked on the page before anything runs, points are named by their values, and the
runs show their progress with the time left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from sim.errors import UserError
from sim.experiment.design import value_column
from sim.i18n import _, number
from sim.scenario import LoadedScenario
from sim.ui import levers
from sim.ui.fragments import fragment
from sim.ui.kpis import KPIS
from sim.ui.pictures import sweep_band
from sim.ui.runs import RunRecord
from sim.ui.session import cached_sweep

SWEEP_KPIS = ["on_time_rate", "by_tier.point.on_time_rate", "lead_time_h.p95",
              "by_tier.point.lead_time_h.p95", "cost.per_delivered_parcel", "cost.per_parcel",
              "parcels.in_network"]
GOODS_KPIS = ["cold_chain.spoilage_rate"]
DEFAULT_LEVER = "fleets.village.vehicles"
SHOWN = "sweep:shown"  # session key: the sweep whose points the tab shows


@fragment
def show(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    """The sweep's settings, its progress and its answer; a rerun of this part only."""
    if record.scenario_key != key:
        st.info(_("Run the chosen scenario first: a sweep varies one lever around the run "
                  "shown."))
        return
    found = levers.sweepable(scenario)
    keys = list(found)
    lever = found[st.selectbox(_("Lever"), keys, index=keys.index(DEFAULT_LEVER),
                               format_func=lambda k: levers.title(found[k]),
                               key=f"sweep:lever:{key}")]
    note = levers.cannot_change(lever, scenario)
    if note:
        st.info(note)
    values_text = _choose_values(lever, scenario, key)
    kpis = SWEEP_KPIS + (GOODS_KPIS if "cold_chain" in record.summary else [])
    kpi = st.selectbox(_("KPI"), kpis, format_func=lambda k: KPIS[k].name,
                       key=f"sweep:kpi:{key}")
    reps = st.slider(_("Replications per point"), 2, 10, 3, key="sweep:reps")
    if st.button(_("Run sweep")):
        try:
            values = tuple(levers.parse_values(lever, values_text))
        except levers.BadValues as error:
            st.error(str(error))
            return
        bar = st.progress(0.0, _("Sweeping..."))
        try:
            cached_sweep(scenario, key, record.overrides, lever.key, values, reps,
                         progress_with_eta(bar.progress))
        except UserError as error:
            st.error(error.message)
            return
        finally:
            bar.empty()
        st.session_state[SHOWN] = (key, record.overrides, lever.key, values, reps)
    shown = st.session_state.get(SHOWN)
    points = st.session_state.get("sweeps", {}).get(shown)
    if points is not None and shown[:2] == (key, record.overrides):
        answer(points, found[shown[2]], kpi)


def _choose_values(lever: levers.Lever, scenario: LoadedScenario, key: str) -> str:
    """The values to sweep, as text: typed for numbers, chosen for named values."""
    if lever.choices:
        chosen = st.multiselect(_("Values"), list(lever.choices), default=list(lever.choices),
                                format_func=levers.choice_name, key=f"sweep:{key}:{lever.key}")
        return ", ".join(chosen)
    return st.text_input(_("Values, separated by commas"), default_values(lever, scenario),
                         key=f"sweep:{key}:{lever.key}")


def default_values(lever: levers.Lever, scenario: LoadedScenario) -> str:
    """Four values from just below the scenario's own: whole steps for counts, halves and
    multiples otherwise."""
    now = levers.current(scenario, lever.key)
    if lever.integer:
        start = max(int(lever.low), int(now) - 1)
        values: list[Any] = list(range(start, start + 4))
    else:
        values = [float(f"{now * factor:.4g}") for factor in (0.5, 1.0, 1.5, 2.0)]
    return ", ".join(str(value) for value in values)


def progress_with_eta(show: Callable[[float, str], Any]) -> Callable[[int, int], None]:
    """A progress(done, total) that shows the runs done and the time left at the rate so
    far."""
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        text = _("{done} of {total} runs").format(done=number(done), total=number(total))
        if 0 < done < total:
            left = (time.monotonic() - started) / done * (total - done)
            text = _("{done} of {total} runs, about {left} left").format(
                done=number(done), total=number(total), left=duration(left))
        show(done / total if total else 1.0, text)

    return progress


def duration(seconds: float) -> str:
    if seconds < 90:
        return _("{seconds} s").format(seconds=number(max(seconds, 1)))
    return _("{minutes} min").format(minutes=number(seconds / 60))


def answer(points: pd.DataFrame, lever: levers.Lever, kpi: str) -> None:
    """The sweep's chart, its failed points by value, and its points as a table."""
    column = value_column(lever.key)
    named = points.assign(**{column: points[column].map(lambda v: value_name(lever, v))})
    failed = named[named["reps_failed"] > 0]
    for value, error in zip(failed[column], failed["error"], strict=True):
        st.warning(_("{lever} = {value}: {error}").format(lever=levers.title(lever),
                                                          value=value, error=error))
    measure = KPIS[kpi]
    means = named.get(f"{kpi}.mean")
    if means is None or means.isna().all():
        return
    st.altair_chart(sweep_band(named, lever.key, kpi, levers.title(lever), measure.name),
                    width="stretch")
    known = means.dropna()
    if len(known) > 1 and np.ptp(known.to_numpy()) == 0:
        st.info(_("{kpi} is the same at every value: here this lever changes nothing.")
                .format(kpi=measure.name))
    st.dataframe(table(named, lever, kpi), hide_index=True, width="stretch")


def value_name(lever: levers.Lever, value: Any) -> str:
    return levers.choice_name(value) if lever.choices else str(value)


def table(points: pd.DataFrame, lever: levers.Lever, kpi: str) -> pd.DataFrame:
    """One row per point, named by its value: the KPI with its interval, written for
    people."""
    measure = KPIS[kpi]

    def written(name: str) -> pd.Series:
        values = points.get(f"{kpi}.{name}", pd.Series(np.nan, index=points.index))
        return values.map(measure.value)

    return pd.DataFrame({
        levers.title(lever): points[value_column(lever.key)],
        measure.name: written("mean"),
        _("95% interval from"): written("ci_low"),
        _("95% interval to"): written("ci_high"),
        _("Runs done"): points["reps_ok"],
        _("Runs failed"): points["reps_failed"],
    })
