"""Streamlit front end: pick or upload a scenario, pull the levers, run, compare.

A thin page over `sim.api`, the same calls the CLI makes; it holds no model logic. Start it
with `streamlit run app.py` or `sim app`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

import pandas as pd
import streamlit as st

from sim import api
from sim.errors import UserError
from sim.experiment.design import SweepFile, with_options
from sim.results.goods import fleet_frame, hub_frame, product_frame
from sim.results.jsonable import json_ready
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.files import SandboxFiles
from sim.scenario.models import FLEET_NAMES
from sim.scenario.timeofday import format_window
from sim.ui import levers
from sim.ui.pictures import distribution, network_map, series, sweep_band
from sim.ui.runs import CONFIGS, RunRecord, app_files, execute, headline, load_for_app
from sim.ui.uploads import UploadedFile, scenario_names, upload_contents

DEFAULT = "kaifeng.yaml"
CARDS = [("lead_time_h.p50", "Lead time p50 (h)", "inverse", "{:.1f}"),
         ("lead_time_h.p95", "Lead time p95 (h)", "inverse", "{:.1f}"),
         ("on_time_rate", "On time", "normal", "{:.1%}"),
         ("cost.per_parcel", "Cost per parcel", "inverse", "{:.2f}")]
GOODS_CARDS = [("cold_chain.spoilage_rate", "Cold-chain spoilage", "inverse", "{:.1%}")]
SWEEP_KPIS = ["on_time_rate", "lead_time_h.p95", "lead_time_h.mean", "cost.per_parcel",
              "by_tier.point.lead_time_h.p95"]


def cached_run(scenario: LoadedScenario, key: str, label: str, overrides: tuple[str, ...],
               reps: int, progress) -> RunRecord:
    """Each scenario and set of levers runs once per session; the progress bar stays live."""
    cache: dict = st.session_state.setdefault("runs", {})
    if (key, overrides, reps) not in cache:
        cache[key, overrides, reps] = execute(scenario, label, overrides, reps, progress)
    return cache[key, overrides, reps]


def cached_sweep(scenario: LoadedScenario, key: str, overrides: tuple[str, ...], lever: str,
                 values: str, reps: int) -> pd.DataFrame:
    cache: dict = st.session_state.setdefault("sweeps", {})
    if (key, overrides, lever, values, reps) not in cache:
        design = with_options(SweepFile(reps=reps), [f"{lever}={values}"], [])
        with tempfile.TemporaryDirectory() as folder:
            cache[key, overrides, lever, values, reps] = api.sweep(
                with_overrides(scenario, overrides), design, folder,
                workers=os.cpu_count()).points
    return cache[key, overrides, lever, values, reps]


def choose_scenario() -> tuple[SandboxFiles, str, str] | None:
    """The files the chosen scenario may read, its name among them, and a key for its
    content (uploads: the YAML with its tables, or a zip of them)."""
    limits = app_files().limits
    uploaded = st.file_uploader(
        "Upload a scenario: its YAML with its CSV tables, or a zip of them",
        type=["yaml", "yml", "csv", "zip"], accept_multiple_files=True,
        max_upload_size=max(1, limits.upload_bytes >> 20),
        help="An uploaded scenario may use its own files and the bundled ones (extends: "
             "kaifeng.yaml, nodes: kaifeng/nodes.csv), by relative names.")
    if uploaded:
        try:
            contents = upload_contents(
                [UploadedFile(f.name, f.size, f.getvalue()) for f in uploaded], limits)
        except UserError as error:
            st.error(error.message)
            return None
        names = scenario_names(contents)
        name = st.selectbox("Uploaded scenario", names) if len(names) > 1 else names[0]
        digest = hashlib.sha256()
        for part, data in sorted(contents.items()):
            digest.update(part.encode() + b"\0" + hashlib.sha256(data).digest())
        return app_files(contents), name, f"upload:{digest.hexdigest()}:{name}"
    names = sorted(p.name for p in CONFIGS.glob("*.yaml"))
    name = st.selectbox("Scenario", names, index=names.index(DEFAULT) if DEFAULT in names else 0)
    return app_files(), name, f"bundled:{name}"


def loaded(files: SandboxFiles, name: str, key: str) -> LoadedScenario:
    """The scenario, read once per session and content (not again at every interaction)."""
    cache: dict = st.session_state.setdefault("scenarios", {})
    if key not in cache:
        cache[key] = load_for_app(name, files)
    return cache[key]


def widened(low: float, high: float, value: float) -> tuple[float, float]:
    """A widget's range, widened to hold a scenario's own value (an uploaded scenario may
    hold any value the schema accepts)."""
    return min(low, value), max(high, value)


def number(lever: levers.Lever, scenario: LoadedScenario, label: str):
    value = levers.current(scenario, lever.key)
    key = f"{label}:{lever.key}"  # each scenario starts from its own values
    low, high = widened(lever.low, lever.high, value)
    if lever.integer:
        return st.number_input(lever.label, int(low), int(high), int(value),
                               int(lever.step), key=key, help=lever.help or None)
    return st.number_input(lever.label, float(low), float(high), float(value),
                           float(lever.step), key=key, help=lever.help or None)


def written_shifts(scenario: LoadedScenario, kind: str) -> list[str]:
    return [format_window(w) for w in getattr(scenario.config.facilities, kind).shifts]


def sidebar(scenario: LoadedScenario, label: str) -> tuple[list[str], int]:
    """The levers, as overrides of the scenario, and the number of replications."""
    run = scenario.config.run
    chosen: dict[str, object] = {}
    shown_days = min(run.days, 14)
    days = st.slider("Days", *map(int, widened(2, 60, shown_days)), shown_days,
                     key=f"{label}:days")
    reps = st.slider("Replications", 1, 10, 1, help="KPIs as means with 95% intervals")
    seed = st.number_input("Seed", *map(int, widened(0, 2**31 - 1, run.seed)), int(run.seed),
                           key=f"{label}:seed")
    start = st.date_input("Start date", run.start_date, key=f"{label}:start",
                          help="calendar events (Double 11 and the like) follow the date")
    st.subheader("Volume")
    multiplier = st.slider("Volume multiplier (demand.multiplier)",
                           *widened(0.2, 3.0, scenario.config.demand.multiplier),
                           float(scenario.config.demand.multiplier), 0.1,
                           key=f"{label}:multiplier")
    events = st.checkbox("Calendar events (Double 11, 618)", True,
                         disabled=not scenario.config.demand.events)
    st.subheader("Operating modes")
    operations = scenario.config.operations
    township_modes, village_modes = ["joint", "separate", "bus"], [
        "joint", "separate", "bus", "station_pickup"]
    township_mode = st.selectbox("Township leg (park to stations)", township_modes,
                                 township_modes.index(operations.township),
                                 key=f"{label}:township_mode",
                                 help="bus needs fleets.bus_township in the scenario")
    village_mode = st.selectbox("Village leg (station to villages)", village_modes,
                                village_modes.index(operations.village),
                                key=f"{label}:village_mode",
                                help="station_pickup: villagers collect at the station")
    st.subheader("Fleets")
    for fleet in FLEET_NAMES:
        with st.expander(levers.FLEET_LABELS[fleet]):
            for lever in levers.fleet_levers(fleet):
                chosen[lever.key] = number(lever, scenario, label)
    with st.expander("Sorting"):
        for lever in levers.SORTING_LEVERS:
            chosen[lever.key] = number(lever, scenario, label)
        shifts = {kind: st.text_input(
            f"{kind.title()} shifts", ", ".join(written_shifts(scenario, kind)),
            key=f"{label}:{kind}:shifts", help="windows like 07:00-12:00, 13:00-17:00")
            for kind in ("hub", "park", "station")}
    with st.expander("Villagers and shelves"):
        for lever in levers.RESIDENT_LEVERS:
            chosen[lever.key] = number(lever, scenario, label)
    goods = levers.goods_levers(scenario)
    if goods:
        with st.expander("Cold chain"):
            for lever in goods:
                chosen[lever.key] = number(lever, scenario, label)
    with st.expander("Advanced: any dotted override"):
        advanced = st.text_area("One per line, e.g. node_overrides.V410222101200.shelf_slots=20",
                                key="advanced")
    overrides = [f"run.days={days}"] if days != run.days else []
    if seed != run.seed:
        overrides.append(f"run.seed={seed}")
    if start != run.start_date:
        overrides.append(f"run.start_date={start.isoformat()}")
    if days <= run.warmup_days:
        overrides.append(f"run.warmup_days={max(days - 1, 0)}")
    if multiplier != scenario.config.demand.multiplier:
        overrides.append(f"demand.multiplier={multiplier!r}")
    if not events and scenario.config.demand.events:
        overrides.append("demand.events=[]")
    if township_mode != operations.township:
        overrides.append(f"operations.township={township_mode}")
    if village_mode != operations.village:
        overrides.append(f"operations.village={village_mode}")
    for kind, text in shifts.items():
        windows = [w.strip() for w in text.split(",") if w.strip()]
        if windows != written_shifts(scenario, kind):
            overrides.append(f"facilities.{kind}.shifts=[{', '.join(windows)}]")
    overrides += levers.overrides(chosen, scenario)
    overrides += levers.parse_advanced(advanced)
    return overrides, reps


def cards(record: RunRecord, baseline: RunRecord | None) -> None:
    shown = CARDS + (GOODS_CARDS if "cold_chain" in record.summary else [])
    columns = st.columns(len(shown))
    for column, (key, label, colour, style) in zip(columns, shown, strict=True):
        value = record.kpis.get(key)
        delta = None
        if baseline is not None and value is not None and baseline.kpis.get(key) is not None:
            change = value - baseline.kpis[key]
            delta = style.format(change) if style != "{:.1%}" else f"{100 * change:+.1f} pts"
        column.metric(label, "-" if value is None or value != value else style.format(value),
                      delta, delta_color=colour)


def results_tabs(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    names = ["Lead times", "Map", "Facilities", "Bottlenecks", "Sweep", "Compare", "Downloads"]
    if "cold_chain" in record.summary:
        names.append("Cold chain")
    tabs = st.tabs(names)
    if "cold_chain" in record.summary:
        with tabs[7]:
            cold_chain_tab(record.summary["cold_chain"])
    with tabs[0]:
        st.altair_chart(distribution(record.by_tier, "tier", "By where the resident lives"),
                        width="stretch")
        st.altair_chart(distribution(record.by_county, "county", "By county"),
                        width="stretch")
    with tabs[1]:
        colour_by = st.radio("Colour nodes by", ["mean_lead_h", "utilisation"],
                             horizontal=True)
        st.pydeck_chart(network_map(record.nodes, record.edges, colour_by))
        st.caption("Nodes: green to red over the range shown; grey where nothing was measured. "
                   "Lines: vehicle loops by fleet, wider where they carry more; with goods, also "
                   "the hubs and their reefer and truck runs.")
    with tabs[2]:
        ranked = record.bottlenecks[record.bottlenecks["kind"] == "sorting line"]
        ids = [r.removeprefix("sorting:") for r in ranked["resource"]]
        shown = st.multiselect("Facilities", ids, ids[:4])
        hours = record.hours[record.hours["node"].isin(shown)]
        st.altair_chart(series(hours, "busy_fraction", "Sorting line busy fraction"),
                        width="stretch")
        st.altair_chart(series(hours, "backlog", "Parcels in the facility (hourly mean)"),
                        width="stretch")
    with tabs[3]:
        st.dataframe(record.bottlenecks.head(50), hide_index=True, width="stretch")
    with tabs[4]:
        sweep_tab(record, scenario, key)
    with tabs[5]:
        compare_tab(record)
    with tabs[6]:
        downloads(record)


def cold_chain_tab(chain: dict) -> None:
    st.subheader("Goods by product")
    st.dataframe(product_frame(chain), hide_index=True, width="stretch")
    st.caption("Spoilage: tonnes spoiled over tonnes made in the measured window. Out of cold:"
               " hours out of refrigeration, p95 over the lots done.")
    st.subheader("Hubs and cold storage")
    st.dataframe(hub_frame(chain), hide_index=True, width="stretch")
    st.subheader("Reefers and trucks")
    st.dataframe(fleet_frame(chain), hide_index=True, width="stretch")
    cost = chain["cost"]
    st.caption(f"{chain['tonnes_per_day']:,.0f} t a day delivered; reefer-km "
               f"{chain['reefer_km']:,.0f}; cold chain "
               f"{cost['cold_chain_per_tonne'] or float('nan'):,.0f} per tonne.")


def sweep_tab(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    keys = list(levers.SWEEPABLE)
    lever = st.selectbox("Lever", keys, index=keys.index("fleets.village.vehicles"))
    values = st.text_input("Values", "1, 2, 3, 4")
    kpi = st.selectbox("KPI", SWEEP_KPIS)
    reps = st.slider("Replications per point", 2, 10, 3)
    if st.button("Run sweep"):
        try:
            with st.spinner("Sweeping..."):
                points = cached_sweep(scenario, key, record.overrides, lever, values, reps)
        except UserError as error:
            st.error(error.message)
            return
        failed = points[points["reps_failed"] > 0]
        for row in failed.itertuples():
            st.warning(f"{lever}={row.point}: {row.error}")
        if f"{kpi}.mean" in points.columns:
            st.altair_chart(sweep_band(points, lever, kpi), width="stretch")
        st.dataframe(points, hide_index=True)


def compare_tab(record: RunRecord) -> None:
    pinned: dict[str, RunRecord] = st.session_state.setdefault("pinned", {})
    runs = {"this run": record, **pinned}
    if len(runs) < 2:
        st.info("Pin runs (sidebar) to compare them here.")
        return
    names = list(runs)
    left = st.selectbox("Run A", names, index=0)
    right = st.selectbox("Run B", names, index=1)
    a, b = runs[left], runs[right]
    table = headline(a).merge(headline(b), on="kpi", suffixes=(" A", " B"))
    table.columns = ["kpi", left + " (A)", right + " (B)"]
    table["B - A"] = table.iloc[:, 2] - table.iloc[:, 1]
    st.dataframe(table, hide_index=True, width="stretch")
    both = pd.concat([a.by_tier.assign(run=left), b.by_tier.assign(run=right)])
    both["series"] = both["run"] + ": " + both["tier"]
    st.altair_chart(distribution(both, "series", "Lead times, A and B"),
                    width="stretch")


def downloads(record: RunRecord) -> None:
    st.download_button("Scenario as run, with its tables (zip)", record.scenario_zip,
                       "scenario.zip", "application/zip")
    st.download_button("KPIs (JSON)", json.dumps(json_ready(record.summary), indent=1,
                                                 ensure_ascii=False), "summary.json")
    st.download_button("Bottlenecks (CSV)", record.bottlenecks.to_csv(index=False),
                       "bottlenecks.csv")
    st.download_button("Nodes (CSV)", record.nodes.to_csv(index=False), "nodes.csv")
    st.download_button("Facility hours (Parquet)", record.hours.to_parquet(index=False),
                       "facility_hours.parquet")
    st.download_button("Facility hours (CSV)", record.hours.to_csv(index=False),
                       "facility_hours.csv")
    with st.expander("Scenario as run"):
        st.code(record.scenario_yaml, language="yaml")
        st.caption("Unzip the download and `sim run scenario.yaml` reproduces this run's "
                   "numbers.")


def main() -> None:
    st.set_page_config(page_title="County express network simulator", layout="wide")
    st.title("County express network simulator")
    with st.sidebar:
        chosen = choose_scenario()
        if chosen is None:
            return
        files, label, key = chosen
        try:
            scenario = loaded(files, label, key)
        except UserError as error:
            st.error(error.message)
            return
        overrides, reps = sidebar(scenario, label)
        run = st.button("Run", type="primary")
    if run:
        bar = st.progress(0.0, "Simulating...")
        try:
            record = cached_run(scenario, key, label, tuple(overrides), reps,
                                lambda share: bar.progress(min(share, 1.0)))
        except UserError as error:
            bar.empty()
            st.error(error.message)
            return
        bar.empty()
        st.session_state["last"] = record
    record: RunRecord | None = st.session_state.get("last")
    if record is None:
        st.info("Choose a scenario and pull the levers in the sidebar, then press Run. "
                f"Default: {DEFAULT}, the real Kaifeng network (a 14-day run takes about "
                "half a minute).")
        return
    pinned: dict[str, RunRecord] = st.session_state.setdefault("pinned", {})
    with st.sidebar:
        name = st.text_input("Pin this run as", f"run {len(pinned) + 1}")
        if st.button("Pin"):
            pinned[name] = record
        baseline_name = st.selectbox("Deltas against", ["(none)", *pinned])
    baseline = pinned.get(baseline_name)
    st.caption(f"{record.label}: {' '.join(record.overrides) or 'as written'}")
    cards(record, baseline)
    if record.intervals is not None:
        st.caption("Means over replications; the Downloads tab has every KPI's interval.")
    results_tabs(record, scenario, key)


main()
