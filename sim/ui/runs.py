"""A run as the app keeps it: everything it draws, small enough to cache and pin.

The app reads scenarios only through `SandboxFiles`: the bundled configs/ and what was
uploaded with a scenario, under the server's limits (sim/limits.py), which no scenario and
no lever can raise.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from sim import api
from sim.experiment.capacity import analytic_capacity
from sim.experiment.kpis import flatten
from sim.limits import server_limits
from sim.network import Network
from sim.results.names import Names
from sim.results.resilience import Resilience
from sim.results.views import (
    ChartTables,
    MapDays,
    chart_tables,
    edge_view,
    lead_histogram,
    map_days,
    node_view,
)
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.files import SandboxFiles
from sim.scenario.fingerprint import table_digest
from sim.scenario.yamlio import dump_yaml
from sim.ui.disruption_map import Struck, struck
from sim.ui.maps import Boundaries, read_boundaries

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CAPACITY_ROWS = 10  # the analytic capacity table's first rows, kept with a run
PLACE_COLUMNS = ["id", "name", "kind", "parent", "county", "lon", "lat"]


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
    charts: ChartTables  # lead times against targets, facilities by day, trips
    scenario_key: str  # the scenario's content key (bundled name, or the upload's digest)
    made: datetime
    network: str  # network_print: deltas only between runs of the same network
    targets: dict[str, dict[str, float]]  # hours by flow ("down_h", "up_h") and tier
    capacity: pd.DataFrame  # analytic_capacity's first rows: what saturates first
    names: Names  # the scenario's places, hubs, products and carriers by name
    map_days: MapDays  # the map's day slider: parcels waiting, loads carried, by day
    boundaries: Boundaries  # the county polygons beside the node table, if any
    resilience: Resilience | None = None  # against the undisrupted twin, if disrupted
    struck: Struck | None = None  # the roads and places the disruptions hit, for the map

    @property
    def node_names(self) -> Mapping[str, str]:
        """Node id -> name, as the node table writes it."""
        return self.names.of_node


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


def network_print(scenario: LoadedScenario) -> str:
    """A digest of the network's places (ids, names, kinds, tree, counties, positions) and
    roads (the table, or the rule deriving them): two runs compare only when it is equal.
    Per-node values (population, shelf slots, rates) are levers, not another network."""
    nodes = scenario.nodes[[c for c in PLACE_COLUMNS if c in scenario.nodes.columns]]
    roads = scenario.roads
    parts = [table_digest(nodes), b"\x00" if roads is None else table_digest(roads)]
    if roads is None:
        parts.append(scenario.config.network.derive.model_dump_json().encode("utf-8"))
    return hashlib.sha256(b"".join(parts)).hexdigest()


def execute(scenario: LoadedScenario, label: str, overrides: Sequence[str], reps: int = 1,
            progress: Callable[[float], None] | None = None, key: str = "",
            network: Network | None = None) -> RunRecord:
    """Run (and replicate) a scenario through the API and keep what the app shows; `key`
    is the scenario's content key, `network` the one built from it with the overrides (as
    the landing map draws it), if any."""
    scenario = with_overrides(scenario, overrides)
    results = api.run(scenario, network=network, progress=None if progress is None else
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
        bottlenecks=results.bottlenecks, charts=chart_tables(results),
        scenario_key=key or label, made=datetime.now().astimezone(),
        network=network_print(scenario),
        targets={flow: getattr(scenario.config.targets, flow).model_dump()
                 for flow in ("down_h", "up_h")},
        capacity=analytic_capacity(scenario, results.output.network).head(CAPACITY_ROWS),
        names=Names.of(scenario),
        map_days=map_days(results), boundaries=read_boundaries(scenario),
        resilience=results.resilience,
        struck=None if results.resilience is None else struck(results),
    )


def same_network(a: RunRecord, b: RunRecord) -> bool:
    """Whether two runs are of the same places and roads, so that their difference is one
    of settings, not of networks."""
    return a.network == b.network
