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
from sim.network import Network
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.files import SandboxFiles
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


def loaded(files: SandboxFiles, name: str, key: str) -> LoadedScenario:
    """The scenario, read once per session and content (not again at every interaction)."""
    cache: dict = st.session_state.setdefault("scenarios", {})
    if key not in cache:
        cache[key] = load_for_app(name, files)
    return cache[key]
