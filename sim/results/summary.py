"""summary.json: the run's KPIs in one nested mapping (dotted keys like `by_tier.point`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.engine.model import SimulationOutput
from sim.results.costs import cost_summary
from sim.results.goods import goods_summary, lots_table
from sim.results.jsonable import json_ready
from sim.results.parcels import ParcelOutcomes, parcel_kpis, parcel_outcomes, parcels_table
from sim.results.resilience import Resilience, resilience
from sim.results.resources import (
    PerParcel,
    Window,
    bottleneck_table,
    facility_hours_frame,
    facility_load,
    fleet_summary,
    measured_window,
    route_backlog,
    route_use,
    shelf_backlog,
)
from sim.scenario.loader import LoadedScenario
from sim.scenario.models import Scenario

TOP_BOTTLENECKS = 10
LEG_FLEETS = ("township", "village", "bus_township", "bus_village")


@dataclass
class Results:
    """KPIs and tables of one run, computed on first use."""

    output: SimulationOutput
    twin: Results | None = None  # the same scenario and seed undisrupted, if disrupted

    @property
    def scenario(self) -> LoadedScenario:
        return self.output.scenario

    @cached_property
    def resilience(self) -> Resilience | None:
        """What the disruptions cost against the twin (None without disruptions)."""
        if self.twin is None or self.output.disruptions is None:
            return None
        return resilience(self.output, self.outcomes, self._cost_total(), self.twin.output,
                          self.twin.outcomes, self.twin._cost_total(),
                          (self._spoiled_t(), self.twin._spoiled_t()))

    def _cost_total(self) -> float:
        return float(self.summary_without_twin["cost"]["total"])

    def _spoiled_t(self) -> float:
        chain = self.summary_without_twin.get("cold_chain")
        if not chain:
            return 0.0
        return float(sum(p.get("spoiled_t", 0.0) for p in chain["products"].values()))

    @cached_property
    def window(self):
        return measured_window(self.output)

    @cached_property
    def outcomes(self) -> ParcelOutcomes:
        return parcel_outcomes(self.output)

    @cached_property
    def per_parcel(self) -> PerParcel:
        """Where node tables are read for each parcel, shared by facilities and routes."""
        return PerParcel(self.output)

    @cached_property
    def load(self):
        return facility_load(self.output, self.window, self.per_parcel)

    @cached_property
    def routes(self) -> pd.DataFrame:
        return route_use(self.output, self.window)

    @cached_property
    def route_waiting(self):
        """Parcels waiting for each route, hour by hour."""
        return route_backlog(self.output, self.window, self.per_parcel)

    @cached_property
    def bottlenecks(self) -> pd.DataFrame:
        return bottleneck_table(self.output, self.window, self.load, self.routes,
                                self.route_waiting,
                                shelf_backlog(self.output, self.window, self.per_parcel))

    def parcels(self) -> pd.DataFrame:
        """The per-parcel table as a DataFrame (node ids, county and tier as categories)."""
        return parcels_table(self.output, self.outcomes).to_pandas()

    def parcel_tables(self, rows_per_table: int = 1_000_000) -> Iterator[pa.Table]:
        """The per-parcel table in pieces, for writing large runs in bounded memory. The
        outcomes are worked out now, by the caller's thread; the pieces as they are read."""
        output, outcomes = self.output, self.outcomes
        return (parcels_table(output, outcomes, slice(start, start + rows_per_table))
                for start in range(0, max(len(output.ledger), 1), rows_per_table))

    def lots(self) -> pd.DataFrame | None:
        """The per-lot table of goods other than parcels, if the scenario has any."""
        return None if self.output.goods is None else lots_table(self.output.goods)

    def freight_trips(self) -> pd.DataFrame | None:
        return None if self.output.goods is None else self.output.goods.trips

    def facility_hours(self) -> pd.DataFrame:
        return facility_hours_frame(self.output, self.load)

    def frames(self, name: str) -> Iterator[pd.DataFrame]:
        """A table of the run's files (`facility_hours`, `trips`) in pieces: here one."""
        yield getattr(self, name)()

    def trips(self) -> pd.DataFrame:
        names = pd.Series([r.name for r in self.output.network.routes])
        fleets = pd.Series([r.fleet for r in self.output.network.routes])
        trips = self.output.trips.copy()
        trips.insert(1, "fleet", fleets.iloc[trips["route"]].to_numpy())
        trips["route"] = names.iloc[trips["route"]].to_numpy()
        return trips

    @cached_property
    def summary(self) -> dict:
        """summary.json: the run's KPIs, and against its twin if disrupted."""
        summary = dict(self.summary_without_twin)
        if self.resilience is not None:
            summary["resilience"] = self.resilience.summary
        return summary

    @cached_property
    def summary_without_twin(self) -> dict:
        output, window = self.output, self.window
        measured = int(np.count_nonzero(self.outcomes.measured))
        kpis = parcel_kpis(output, self.outcomes)
        tree = output.network.tree
        nodes = self.load.nodes
        span = slice(window.start, window.end)
        table = self.bottlenecks
        sorting_rows = table[table["kind"] == "sorting line"].set_index("resource")[
            ["utilisation", "backlog_growth_per_day"]].to_dict(orient="index")
        counts = {"created": len(output.ledger), "delivered": output.ledger.delivered_by(
            output.end_h), "in_network": output.in_network, "measured": measured}
        sorting = {
            str(tree.ids[node]): {key: float(value) for key, value in
                                  sorting_rows[f"sorting:{tree.ids[node]}"].items()}
            for node in nodes
        }
        backlog = {
            str(tree.ids[node]): {
                "peak": int(self.load.backlog.end[row, span].max(initial=0)),
                "mean": float(self.load.backlog.mean[row, span].mean()),
                "end": int(self.load.backlog.end[row, -1]),
            }
            for row, node in enumerate(nodes)
        }
        cost = cost_summary(output, self.routes, self.load, window, measured)
        goods = None if output.goods is None else goods_summary(output.goods, window)
        return summary_document(output.scenario.config, window, output.end_h, counts, kpis,
                                sorting, backlog, self.routes, cost, table, goods)


def summary_document(config: Scenario, window: Window, end_h: float, counts: dict,
                     kpis: dict, sorting: dict, backlog: dict, routes: pd.DataFrame,
                     cost: dict, bottlenecks: pd.DataFrame, goods: dict | None) -> dict:
    """summary.json's layout, from a run's parts: one run's, or several cities' merged
    (`sim.experiment.split`). Fleets, modes and carriers are worked out here from the
    routes table, so a merged run works them out as one run does."""
    fleets = fleet_summary(routes)
    return {
        "scenario": config.name,
        "run": {
            "start_date": config.run.start_date.isoformat(),
            "days": config.run.days,
            "warmup_days": config.run.warmup_days,
            "drain_days": config.run.drain_days,
            "seed": config.run.seed,
            "demand_multiplier": config.demand.multiplier,
            "measured_hours": [window.start, window.end],
            "end_h": end_h,
        },
        "parcels": counts,
        **kpis,
        "sorting": sorting,
        "fleets": fleets,
        "backlog": backlog,
        "vehicle_km": float(sum(f["vehicle_km"] for f in fleets.values())),
        "co2_kg": float(sum(f["co2_kg"] for f in fleets.values())),
        "modes": legs_by_mode(routes, kpis["by_mode"]),
        "carriers": carrier_blocks(routes, cost["total"], counts["measured"],
                                   kpis["by_carrier"]),
        "cost": cost,
        "bottlenecks": json_ready(bottlenecks.head(TOP_BOTTLENECKS).to_dict(orient="records")),
        **({} if goods is None else {"cold_chain": goods}),
        "conservation": {
            "created": counts["created"],
            "delivered": counts["delivered"],
            "in_network": counts["in_network"],
            "holds": counts["created"] == counts["delivered"] + counts["in_network"],
        },
    }


def legs_by_mode(routes: pd.DataFrame, by_mode: dict) -> dict:
    """The township and village legs by operating mode: their fleets, and their cost per
    parcel of residents served that way (trunk and line haul are the same for all), counted
    from the parcel KPIs by mode."""
    legs = routes[routes["fleet"].isin(LEG_FLEETS)]
    modes = fleet_summary(legs, "mode")
    for mode, block in modes.items():
        count = by_mode[mode]["parcels"] if mode in by_mode else 0
        block["cost_per_parcel"] = block["cost"] / count if count else None
    return modes


def carrier_blocks(routes: pd.DataFrame, total_cost: float, measured: int,
                   by_carrier: dict) -> dict:
    """Per carrier: its own vehicles, and its cost and CO2 per parcel counting its share (by
    measured parcels, from the parcel KPIs by carrier) of what is shared: joint fleets,
    trunk, handling."""
    own = fleet_summary(routes, "carrier")
    shared = routes[routes["carrier"] == "all"]
    shared_cost = total_cost - float(routes.loc[routes["carrier"] != "all", "cost"].sum())
    carriers = {}
    for name, kpis in by_carrier.items():
        parcels = kpis["parcels"]
        share = parcels / measured if measured else 0.0
        block = own.get(name, {"vehicles": 0, "vehicle_km": 0.0, "co2_kg": 0.0,
                               "cost": 0.0})
        cost = block["cost"] + share * shared_cost
        co2 = block["co2_kg"] + share * float(shared["co2_kg"].sum())
        carriers[name] = {
            "parcels": parcels,
            "own_vehicles": block["vehicles"],
            "own_vehicle_km": block["vehicle_km"],
            "cost_per_parcel": cost / parcels if parcels else None,
            "co2_kg_per_parcel": co2 / parcels if parcels else None,
        }
    return carriers


def summarise(output: SimulationOutput, twin: SimulationOutput | None = None) -> Results:
    return Results(output, None if twin is None else Results(twin))
