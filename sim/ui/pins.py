"""Runs a planner keeps: pinned by name, each remembering its scenario, and a baseline per
scenario that the cards and the answers compare against.

The first run of a scenario is kept as its baseline, so the next run with other levers
shows its changes at once; "Deltas against" chooses another (or none) for that scenario,
and the choice holds until changed, whatever is pinned meanwhile.
"""

from __future__ import annotations

import itertools
from collections.abc import MutableMapping

import streamlit as st

from sim.i18n import _
from sim.ui.runs import RunRecord

PINNED = "pinned"  # session key: run name -> RunRecord, in pinning order
BASELINES = "baselines"  # session key: scenario key -> name of its baseline (None: none)
NONE = ""  # the "Deltas against" option meaning no baseline


def pinned() -> dict[str, RunRecord]:
    """The runs kept in this session, by name."""
    return st.session_state.setdefault(PINNED, {})


def baselines() -> dict[str, str | None]:
    return st.session_state.setdefault(BASELINES, {})


def keep_first(record: RunRecord, runs: MutableMapping[str, RunRecord],
               chosen: MutableMapping[str, str | None]) -> None:
    """Keep the first run of a scenario, as that scenario's baseline."""
    if record.scenario_key in chosen:
        return
    name = free_name(_("first run of {scenario}").format(scenario=record.summary["scenario"]),
                     runs)
    runs[name] = record
    chosen[record.scenario_key] = name


def free_name(wanted: str, runs: MutableMapping[str, RunRecord]) -> str:
    """`wanted`, or `wanted (2)`, `(3)`... where that name is taken."""
    name, number = wanted, 1
    while name in runs:
        number += 1
        name = f"{wanted} ({number})"
    return name


def describe(name: str, runs: dict[str, RunRecord]) -> str:
    """A kept run as the planner finds it: its name, scenario and when it was made."""
    if name == NONE:
        return _("(none)")
    record = runs[name]
    scenario, made = record.summary["scenario"], record.made.strftime("%m-%d %H:%M")
    if scenario in name:
        return _("{name} ({made})").format(name=name, made=made)
    return _("{name} ({scenario}, {made})").format(name=name, scenario=scenario, made=made)


def pin_controls(record: RunRecord) -> RunRecord | None:
    """Pin the run shown under a name, and choose the baseline of its scenario; returns
    that baseline (None for none)."""
    runs, chosen = pinned(), baselines()
    keep_first(record, runs, chosen)
    numbered = (_("run {number}").format(number=number) for number in itertools.count(1))
    name = st.text_input(_("Pin this run as"), next(n for n in numbered if n not in runs))
    if st.button(_("Pin")):
        if not name.strip():
            st.error(_("Give the run a name to pin it."))
        else:
            runs[name.strip()] = record
    options = [NONE, *runs]
    current = chosen.get(record.scenario_key)
    picked = st.selectbox(_("Deltas against"), options,
                          index=options.index(current) if current in options else 0,
                          format_func=lambda option: describe(option, runs),
                          help=_("The baseline of this scenario: its first run, unless "
                                 "another is chosen. Changes show only against a run of "
                                 "the same network."))
    chosen[record.scenario_key] = picked or None
    return baseline_of(record)


def baseline_of(record: RunRecord) -> RunRecord | None:
    """The baseline chosen for the scenario of `record` (None: none, or none yet)."""
    name = baselines().get(record.scenario_key)
    return None if name is None else pinned().get(name)
