"""A run as the app keeps it: everything it draws, small enough to cache and pin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import api
from sim.experiment.kpis import flatten
from sim.results.views import edge_view, lead_histogram, node_view
from sim.results.writer import scenario_document
from sim.scenario import LoadedScenario, scenario_from_dict
from sim.scenario.inherit import resolve_extends
from sim.scenario.yamlio import dump_yaml, parse_yaml_text


@dataclass(frozen=True)
class RunRecord:
    label: str
    overrides: tuple[str, ...]
    scenario_yaml: str  # the scenario as run; the CLI reproduces the run from it
    summary: dict
    kpis: dict[str, float]  # flat: dotted key -> value (means over replications)
    intervals: pd.DataFrame | None  # per KPI mean and 95% CI when replicated
    by_tier: pd.DataFrame
    by_county: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    hours: pd.DataFrame
    bottlenecks: pd.DataFrame


def load_text(text: str, base: Path, name: str = "uploaded.yaml",
              overrides: Sequence[str] = ()) -> LoadedScenario:
    """A scenario from YAML text (called `name` in messages) whose table paths are relative
    to `base` (or absolute)."""
    raw = resolve_extends(parse_yaml_text(text, str(base / name)), base / name)
    return scenario_from_dict(raw, base / name, overrides)


def execute(scenario: LoadedScenario, label: str, overrides: Sequence[str], reps: int = 1,
            progress: Callable[[float], None] | None = None) -> RunRecord:
    """Run (and replicate) a scenario through the API and keep what the app shows."""
    scenario = scenario_from_dict(scenario.raw, scenario.path, overrides)
    results = api.run(scenario, progress=None if progress is None else
                      lambda now, end: progress(now / end / (2 if reps > 1 else 1)))
    intervals = None
    kpis = flatten(results.summary)
    if reps > 1:
        done = [0]

        def advance(count: int) -> None:
            done[0] += count
            if progress is not None:
                progress(0.5 + 0.5 * done[0] / reps)

        replications = api.replicate(scenario, reps, progress=advance, first=results)
        intervals = replications.kpis()
        kpis = dict(zip(intervals["kpi"], intervals["mean"], strict=True))
    return RunRecord(
        label=label, overrides=tuple(overrides),
        scenario_yaml=dump_yaml(scenario_document(scenario)),
        summary=results.summary, kpis=kpis, intervals=intervals,
        by_tier=lead_histogram(results, "tier"), by_county=lead_histogram(results, "county"),
        nodes=node_view(results), edges=edge_view(results), hours=results.facility_hours(),
        bottlenecks=results.bottlenecks,
    )


def headline(record: RunRecord) -> pd.DataFrame:
    """A few KPIs of a run, for comparisons."""
    names = ["lead_time_h.p50", "lead_time_h.p95", "on_time_rate", "cost.per_parcel",
             "by_tier.point.lead_time_h.p95", "by_tier.point.on_time_rate",
             "parcels.in_network", "vehicle_km"]
    if "cold_chain" in record.summary:
        names += ["cold_chain.spoilage_rate", "cold_chain.cost.cold_chain_per_tonne",
                  "cold_chain.reefer_km", "cold_chain.tonnes_per_day"]
    return pd.DataFrame({"kpi": names, record.label: [record.kpis.get(n) for n in names]})
