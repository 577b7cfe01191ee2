"""A run as the app keeps it: everything it draws, small enough to cache and pin.

The app reads scenarios only through `SandboxFiles`: the bundled configs/ and what was
uploaded with a scenario, under the server's limits (sim/limits.py), which no scenario and
no lever can raise.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import api
from sim.experiment.kpis import flatten
from sim.limits import server_limits
from sim.results.views import edge_view, lead_histogram, node_view
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.files import SandboxFiles
from sim.scenario.yamlio import dump_yaml

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@dataclass(frozen=True)
class RunRecord:
    label: str
    overrides: tuple[str, ...]
    scenario_yaml: str  # the scenario as run; the CLI reproduces the run from it
    scenario_zip: bytes  # that YAML with its tables, to run anywhere
    summary: dict
    kpis: dict[str, float]  # flat: dotted key -> value (means over replications)
    intervals: pd.DataFrame | None  # per KPI mean and 95% CI when replicated
    by_tier: pd.DataFrame
    by_county: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    hours: pd.DataFrame
    bottlenecks: pd.DataFrame


def app_files(uploads: Mapping[str, bytes] | None = None) -> SandboxFiles:
    """What a scenario in the app may read: the bundled configs and its upload, within the
    server's limits."""
    return SandboxFiles(root=CONFIGS, uploads=dict(uploads or {}), limits=server_limits())


def load_for_app(name: str, files: SandboxFiles) -> LoadedScenario:
    """A bundled or uploaded scenario, by its name relative to configs/."""
    return api.read(files.root / name, files=files)


def portable_scenario(scenario: LoadedScenario) -> tuple[str, dict[str, bytes]]:
    """The scenario as run (overrides applied) as YAML naming its tables relatively, and the
    tables' bytes by those names: together they run anywhere, never naming the server's
    folders."""
    files = scenario.files
    data = scenario.config.model_dump(mode="json")
    tables = {}
    for key, path in (("nodes", scenario.nodes_path), ("roads", scenario.roads_path)):
        if path is not None:
            name = files.label(path)
            data["network"][key] = name
            tables[name] = files.read(path, files.limits.table_bytes, "table")
    return dump_yaml(data), tables


def zipped(yaml_text: str, tables: Mapping[str, bytes]) -> bytes:
    """scenario.yaml and its tables in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scenario.yaml", yaml_text)
        for name, data in tables.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def execute(scenario: LoadedScenario, label: str, overrides: Sequence[str], reps: int = 1,
            progress: Callable[[float], None] | None = None) -> RunRecord:
    """Run (and replicate) a scenario through the API and keep what the app shows."""
    scenario = with_overrides(scenario, overrides)
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
    scenario_yaml, tables = portable_scenario(scenario)
    return RunRecord(
        label=label, overrides=tuple(overrides),
        scenario_yaml=scenario_yaml, scenario_zip=zipped(scenario_yaml, tables),
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
