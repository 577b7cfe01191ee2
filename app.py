"""Streamlit front end: pick a scenario, pull a lever or two, run, read the KPIs.

A thin page over `sim.api`, the same calls the CLI makes; it holds no model logic.
Start it with `streamlit run app.py` or `sim app`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from sim import api
from sim.errors import ScenarioError

CONFIGS = Path(__file__).resolve().parent / "configs"


@st.cache_data(show_spinner=False, max_entries=16)
def run_cached(config: str, overrides: tuple[str, ...]) -> tuple[dict, pd.DataFrame]:
    results = api.run(config, list(overrides))
    return results.summary, results.bottlenecks


def lead_rows(summary: dict) -> pd.DataFrame:
    groups = {"all": {"lead_time_h": summary["lead_time_h"], "on_time_rate":
                      summary["on_time_rate"]}}
    groups.update({f"flow {k}": v for k, v in summary["by_flow"].items()})
    groups.update({f"tier {k}": v for k, v in summary["by_tier"].items()})
    groups.update({f"county {k}": v for k, v in summary["by_county"].items()})
    return pd.DataFrame([
        {"group": name, **{k: block["lead_time_h"][k] for k in ("mean", "p50", "p95")},
         "on time": block["on_time_rate"]}
        for name, block in groups.items()
    ]).set_index("group")


def main() -> None:
    st.set_page_config(page_title="County express network simulator", layout="wide")
    st.title("County express network simulator")
    scenarios = sorted(p.name for p in CONFIGS.glob("*.yaml"))
    with st.sidebar:
        name = st.selectbox("Scenario", scenarios, index=scenarios.index("kaifeng.yaml")
                            if "kaifeng.yaml" in scenarios else 0)
        days = st.slider("Days", 3, 60, 14)
        multiplier = st.slider("Volume multiplier (demand.multiplier)", 0.5, 2.5, 1.0, 0.1)
        village_vans = st.number_input("Village vans per station (0 = scenario's)", 0, 20, 0)
        seed = st.number_input("Seed", 0, 10**9, 1)
        run = st.button("Run", type="primary")
    if not run:
        st.info("Choose a scenario and levers in the sidebar, then press Run.")
        return
    overrides = [f"run.days={days}", f"demand.multiplier={multiplier}", f"run.seed={seed}"]
    if village_vans:
        overrides += [f"fleets.village.vehicles={village_vans}",
                      "fleets.village.size_for_load=null"]
    try:
        with st.spinner("Simulating..."):
            summary, bottlenecks = run_cached(str(CONFIGS / name), tuple(overrides))
    except ScenarioError as error:
        st.error(error.message)
        return
    lead = summary["lead_time_h"]
    cards = st.columns(4)
    cards[0].metric("Lead time p50 (h)", f"{lead['p50']:.1f}")
    cards[1].metric("Lead time p95 (h)", f"{lead['p95']:.1f}")
    cards[2].metric("On time", f"{100 * summary['on_time_rate']:.1f}%")
    cards[3].metric("Cost per parcel", f"{summary['cost']['per_parcel']:.2f}")
    st.subheader("Lead time (hours)")
    st.dataframe(lead_rows(summary), use_container_width=True)
    st.subheader("Most pressed resources")
    st.dataframe(bottlenecks.head(15), use_container_width=True, hide_index=True)


main()
