"""The sidebar: which scenario (bundled or uploaded), and the levers planners pull, as
overrides of it."""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

from sim.errors import UserError
from sim.experiment.split.parts import Part
from sim.i18n import _, language
from sim.results.names import FLEETS, MODES, TIERS, kind
from sim.scenario import LoadedScenario
from sim.scenario.files import SandboxFiles
from sim.scenario.models import FLEET_NAMES
from sim.scenario.timeofday import format_window
from sim.ui import levers
from sim.ui.disruption_levers import days_to_see
from sim.ui.disruption_levers import overrides as disruption_overrides
from sim.ui.disruption_sidebar import days_note, disruption_levers
from sim.ui.groups import kept, lever_group
from sim.ui.runs import CONFIGS, app_files
from sim.ui.uploads import UploadedFile, scenario_names, upload_contents

DEFAULT = "kaifeng.yaml"
RECOVERY_DAYS = 6  # days a disrupted scenario first runs past its last disruption's end
FIRST_DAYS = 4  # days a scenario first runs for (Kaifeng: 2 warm-up, 2 measured): its
# first KPIs show within 5 s of opening the page on a 2-core machine (docs/performance.md)


def choose_scenario() -> tuple[SandboxFiles, str, str] | None:
    """The files the chosen scenario may read, its name among them, and a key for its
    content (uploads: the YAML with its tables, or a zip of them)."""
    limits = app_files().limits
    uploaded = st.file_uploader(
        _("Upload a scenario: its YAML with its CSV tables (and boundaries.geojson), or a "
          "zip of them"),
        type=["yaml", "yml", "csv", "geojson", "zip"], accept_multiple_files=True,
        max_upload_size=max(1, limits.upload_bytes >> 20),
        help=_("An uploaded scenario may use its own files and the bundled ones (extends: "
               "kaifeng.yaml, nodes: kaifeng/nodes.csv), by relative names."))
    if uploaded:
        try:
            contents = upload_contents(
                [UploadedFile(f.name, f.size, f.getvalue()) for f in uploaded], limits)
        except UserError as error:
            st.error(error.message)
            return None
        names = scenario_names(contents)
        name = st.selectbox(_("Uploaded scenario"), names) if len(names) > 1 else names[0]
        digest = hashlib.sha256()
        for part, data in sorted(contents.items()):
            digest.update(part.encode() + b"\0" + hashlib.sha256(data).digest())
        return app_files(contents), name, f"upload:{digest.hexdigest()}:{name}"
    names = sorted(p.name for p in CONFIGS.glob("*.yaml"))
    asked = st.query_params.get("scenario", DEFAULT)  # a link may choose it
    first = asked if asked in names else DEFAULT
    name = st.selectbox(_("Scenario"), names, index=names.index(first) if first in names
                        else 0, key="scenario")
    return app_files(), name, f"bundled:{name}"


def choose_city(parts: list[Part], label: str) -> Part | None:
    """In a scenario of several cities that run apart: the whole province (None), or one
    city to run alone."""
    names = {part.hub: part.name for part in parts}
    hub = st.selectbox(_("City"), ["", *names], key=f"{label}:city",
                       format_func=lambda hub: names.get(hub) or _("All cities (each runs apart)"),
                       help=_("One city runs alone like any scenario: its villages on the map, "
                              "and every tab."))
    return next((part for part in parts if part.hub == hub), None)


def widened(low: float, high: float, value: float) -> tuple[float, float]:
    """A widget's range, widened to hold a scenario's own value (an uploaded scenario may
    hold any value the schema accepts)."""
    return min(low, value), max(high, value)


def number(group: ExpanderContainer, lever: levers.Lever, scenario: LoadedScenario,
           label: str) -> float:
    value = levers.current(scenario, lever.key)
    key = f"{label}:{lever.key}"  # each scenario starts from its own values
    low, high = widened(lever.low, lever.high, value)
    shown, tip = _(lever.label), _(lever.help) if lever.help else None
    if lever.integer:
        return kept(group, key, int(value), lambda now: st.number_input(
            shown, int(low), int(high), int(now), int(lever.step), key=key, help=tip))
    return kept(group, key, float(value), lambda now: st.number_input(
        shown, float(low), float(high), float(now), float(lever.step), key=key, help=tip))


def first_days(scenario: LoadedScenario) -> int:
    """Days a scenario first runs for: a few, or as many as its own disruptions need to be
    over and a week more to see the network recover (a run that misses them would say
    nothing of them), up to its own days."""
    needed = days_to_see(scenario)
    return min(scenario.config.run.days,
               max(FIRST_DAYS, needed + RECOVERY_DAYS if needed else 0))


def written_shifts(scenario: LoadedScenario, tier: str) -> list[str]:
    return [format_window(w) for w in getattr(scenario.config.facilities, tier).shifts]


def choose_mode(title: str, modes: list[str], current: str, key: str, tip: str) -> str:
    """An operating mode, shown by its name in the language in force."""
    shown = [kind(MODES, mode) for mode in modes]
    chosen = st.selectbox(title, shown, modes.index(current), key=f"{key}:{language()}",
                          help=tip)
    return modes[shown.index(chosen)]


def sidebar(scenario: LoadedScenario, label: str) -> tuple[list[str], int]:
    """The levers, as overrides of the scenario, and the number of replications."""
    run = scenario.config.run
    chosen: dict[str, object] = {}
    shown_days = first_days(scenario)
    days = st.slider(_("Days"), *map(int, widened(2, 60, shown_days)), shown_days,
                     key=f"{label}:days")
    reps = st.slider(_("Replications"), 1, 10, 1, key="replications",
                     help=_("KPIs as means with 95% intervals"))
    seed = st.number_input(_("Seed"), *map(int, widened(0, 2**31 - 1, run.seed)),
                           int(run.seed), key=f"{label}:seed")
    start = st.date_input(_("Start date"), run.start_date, key=f"{label}:start",
                          help=_("calendar events (Double 11 and the like) follow the date"))
    note = days_note(scenario, start, days)
    if note:
        st.caption(note)
    st.subheader(_("Volume"))
    multiplier = st.slider(_("Volume multiplier"),
                           *widened(0.2, 3.0, scenario.config.demand.multiplier),
                           float(scenario.config.demand.multiplier), 0.1,
                           key=f"{label}:multiplier",
                           help=_("1 is an ordinary day; Double 11 is 1.5 to 1.9"))
    events = st.checkbox(_("Calendar events (Double 11, 618)"), True, key=f"{label}:events",
                         disabled=not scenario.config.demand.events)
    st.subheader(_("Operating modes"))
    operations = scenario.config.operations
    township_modes, village_modes = ["joint", "separate", "bus"], [
        "joint", "separate", "bus", "station_pickup"]
    township_mode = choose_mode(_("Township leg (park to stations)"), township_modes,
                                operations.township, f"{label}:township_mode",
                                _("by bus needs bus lines (fleets.bus_township) in the "
                                  "scenario"))
    village_mode = choose_mode(_("Village leg (station to villages)"), village_modes,
                               operations.village, f"{label}:village_mode",
                               _("pickup at the station: villagers collect at the township "
                                 "station"))
    st.subheader(_("Fleets"))
    for fleet in FLEET_NAMES:
        group = lever_group(kind(FLEETS, fleet), f"fleet:{fleet}")
        for lever in levers.fleet_levers(fleet):
            chosen[lever.key] = number(group, lever, scenario, label)
    group = lever_group(_("Sorting"), "sorting")
    for lever in levers.SORTING_LEVERS:
        chosen[lever.key] = number(group, lever, scenario, label)
    shifts = {tier: kept(group, f"{label}:{tier}:shifts",
                         ", ".join(written_shifts(scenario, tier)),
                         lambda now, tier=tier: st.text_input(
                             _("Shifts of the {tier}").format(tier=kind(TIERS, tier)), now,
                             key=f"{label}:{tier}:shifts",
                             help=_("windows like 07:00-12:00, 13:00-17:00")))
              for tier in ("hub", "park", "station")}
    group = lever_group(_("Villagers and shelves"), "residents")
    for lever in levers.RESIDENT_LEVERS:
        chosen[lever.key] = number(group, lever, scenario, label)
    goods = levers.goods_levers(scenario)
    if goods:
        group = lever_group(_("Cold chain"), "cold_chain")
        for lever in goods:
            chosen[lever.key] = number(group, lever, scenario, label)
    disruptions = disruption_levers(scenario, label, start, days)
    with st.expander(_("Advanced: any setting of the scenario")):
        advanced = st.text_area(
            _("One per line, as the command line's --set takes them, e.g. "
              "node_overrides.V410222101200.shelf_slots=20"), key="advanced")
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
    for tier, text in shifts.items():
        windows = [w.strip() for w in text.split(",") if w.strip()]
        if windows != written_shifts(scenario, tier):
            overrides.append(f"facilities.{tier}.shifts=[{', '.join(windows)}]")
    overrides += levers.overrides(chosen, scenario)
    overrides += disruption_overrides(disruptions, scenario)
    overrides += levers.parse_advanced(advanced)
    return overrides, reps
