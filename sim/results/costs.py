"""Cost of the measured window: vehicles (per km, per vehicle-day, fees per parcel carried)
and parcels handled (each facility kind's `handling_cost` per parcel sorted).

Two costs per parcel. `per_parcel` divides by the parcels created in the window, which an
overloaded network does not deliver: it keeps falling as the backlog grows.
`per_delivered_parcel` divides by the parcels through in the window (delivered to their
resident, or upward out of the city), the hours the costs are counted over: what the
window's work delivered. Once the network is at capacity its deliveries stop growing while
its costs do not fall (vehicle-days are fixed, and parcels are still sorted and carried
upstream of what is full), so more volume raises it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.model import SimulationOutput
from sim.results.resources import FacilityLoad, Window
from sim.scenario.models import NODE_KINDS, Scenario


def cost_summary(output: SimulationOutput, routes: pd.DataFrame, load: FacilityLoad,
                 window: Window, measured_parcels: int) -> dict:
    return cost_block(output.scenario.config, routes, sorted_by_kind(output, load, window),
                      delivered_in(output, window), measured_parcels)


def cost_block(config: Scenario, routes: pd.DataFrame, sorted_counts: dict[str, int],
               delivered: int, measured_parcels: int) -> dict:
    """The cost block from the routes, the parcels sorted at each kind of facility and the
    parcels through: one run's, or several cities' merged."""
    vehicles = float(routes["cost"].sum())
    handling = 0.0
    for kind, count in sorted_counts.items():
        handling += getattr(config.facilities, kind).handling_cost * count
    total = vehicles + handling
    return {
        "total": float(total),
        "vehicles": vehicles,
        "handling": float(handling),
        "per_parcel": _per(total, measured_parcels),
        "parcels_delivered": delivered,
        "per_delivered_parcel": _per(total, delivered),
    }


def delivered_in(output: SimulationOutput, window: Window) -> int:
    """Parcels through (delivered to the resident, or out of the city) in the window's
    hours, whenever they were created."""
    done = output.ledger.times["done"]
    return int(np.count_nonzero((done >= window.start) & (done < window.end)))


def _per(total: float, parcels: int) -> float | None:
    return float(total / parcels) if parcels else None


def sorted_by_kind(output: SimulationOutput, load: FacilityLoad,
                    window: Window) -> dict[str, int]:
    """Parcels sorted in the window at each kind of facility, from the facilities' hourly
    counts rather than the ledger: every parcel's sorting stamp is binned at its facility,
    and the window's bounds are whole hours."""
    level = output.network.tree.level[load.nodes]
    in_window = load.sorted[:, window.start : window.end].sum(axis=1)
    return {kind: int(in_window[level == NODE_KINDS.index(kind)].sum())
            for kind in ("hub", "park", "station")}
