"""What the app keeps for a session: scenarios read, runs made, sweeps made.

Streamlit reruns the page script at every click; these caches make a rerun cost a lookup,
not a simulation or a parse.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from sim import api
from sim.experiment.design import SweepFile
from sim.experiment.plan.search import PlanResult
from sim.experiment.split.parts import Part
from sim.network import Network
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.files import SandboxFiles
from sim.ui.cities import cities, city_scenario
from sim.ui.province_runs import ProvinceRecord, execute_province
from sim.ui.runs import RunRecord, execute, load_for_app


def kept_run(key: str, overrides: tuple[str, ...], reps: int) -> RunRecord | None:
    """The run of this scenario and these levers made earlier in the session, if any."""
    return st.session_state.setdefault("runs", {}).get((key, overrides, reps))


def cached_run(scenario: LoadedScenario, key: str, label: str, overrides: tuple[str, ...],
               reps: int, progress, network: Network | None = None) -> RunRecord:
    """Each scenario and set of levers runs once per session; the progress bar stays live.
    `network`: built from the scenario with these levers, if it already was."""
    cache: dict = st.session_state.setdefault("runs", {})
    if (key, overrides, reps) not in cache:
        cache[key, overrides, reps] = execute(scenario, label, overrides, reps, progress,
                                               key=key, network=network)
    return cache[key, overrides, reps]


def kept_province(key: str, overrides: tuple[str, ...]) -> ProvinceRecord | None:
    """The province's run with these levers made earlier in the session, if any."""
    return st.session_state.setdefault("provinces", {}).get((key, overrides))


def cached_province(scenario: LoadedScenario, key: str, label: str,
                    overrides: tuple[str, ...],
                    progress: Callable[[int, int], None] | None = None) -> ProvinceRecord:
    """A province's run with these levers, once per session; `progress(done, total)` counts
    its cities. The first of a scenario is kept as its baseline."""
    cache: dict = st.session_state.setdefault("provinces", {})
    if (key, overrides) not in cache:
        cache[key, overrides] = execute_province(scenario, label, overrides, progress, key)
        st.session_state.setdefault("first_provinces", {}).setdefault(key, cache[key, overrides])
    return cache[key, overrides]


def first_province(key: str) -> ProvinceRecord | None:
    """The first run of a province in the session: what its cards compare against."""
    return st.session_state.setdefault("first_provinces", {}).get(key)


def cached_sweep(scenario: LoadedScenario, key: str, overrides: tuple[str, ...], lever: str,
                 values: tuple[Any, ...], reps: int,
                 progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """The points of a sweep of one lever around a run's levers, run once per session;
    `progress(done, total)` counts replications."""
    cache: dict = st.session_state.setdefault("sweeps", {})
    if (key, overrides, lever, values, reps) not in cache:
        design = SweepFile(reps=reps, grid={lever: list(values)})
        with tempfile.TemporaryDirectory() as folder:
            cache[key, overrides, lever, values, reps] = api.sweep(
                with_overrides(scenario, overrides), design, folder,
                workers=os.cpu_count(), progress=progress).points
    return cache[key, overrides, lever, values, reps]


def cached_plan(scenario: LoadedScenario, key: str, overrides: tuple[str, ...], plan: Path,
                progress: Callable[[int], None] | None = None) -> PlanResult:
    """A plan file searched (greedily) around a run's levers, once per session; `progress`
    counts runs."""
    cache: dict = st.session_state.setdefault("plans", {})
    if (key, overrides, plan) not in cache:
        cache[key, overrides, plan] = api.plan(
            with_overrides(scenario, overrides), plan, workers=os.cpu_count(),
            progress=progress, method="greedy")
    return cache[key, overrides, plan]


def scenario_cities(scenario: LoadedScenario, key: str) -> list[Part]:
    """The scenario's cities when they run apart (none otherwise), found once per content."""
    cache: dict = st.session_state.setdefault("cities", {})
    if key not in cache:
        cache[key] = cities(scenario)
    return cache[key]


def loaded_city(scenario: LoadedScenario, key: str, part: Part) -> tuple[LoadedScenario, str]:
    """One city of the scenario as a scenario of its own, cut once per session, and its
    content key."""
    city_key = f"{key}|city:{part.hub}"
    cache: dict = st.session_state.setdefault("scenarios", {})
    if city_key not in cache:
        cache[city_key] = city_scenario(scenario, part)
    return cache[city_key], city_key


def loaded(files: SandboxFiles, name: str, key: str) -> LoadedScenario:
    """The scenario, read once per session and content (not again at every interaction)."""
    cache: dict = st.session_state.setdefault("scenarios", {})
    if key not in cache:
        cache[key] = load_for_app(name, files)
    return cache[key]
