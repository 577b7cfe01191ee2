"""Cost of the measured window: vehicles (per km, per vehicle-day, fees per parcel carried)
and parcels handled (each facility kind's `handling_cost` per parcel sorted)."""

from __future__ import annotations

import pandas as pd

from sim.engine.model import SimulationOutput
from sim.results.resources import FacilityLoad, Window
from sim.scenario.models import NODE_KINDS


def cost_summary(output: SimulationOutput, routes: pd.DataFrame, load: FacilityLoad,
                 window: Window, measured_parcels: int) -> dict:
    config = output.scenario.config
    vehicles = float(routes["cost"].sum())
    handling = 0.0
    for kind, count in _sorted_by_kind(output, load, window).items():
        handling += getattr(config.facilities, kind).handling_cost * count
    total = vehicles + handling
    return {
        "total": float(total),
        "vehicles": vehicles,
        "handling": float(handling),
        "per_parcel": float(total / measured_parcels) if measured_parcels else None,
    }


def _sorted_by_kind(output: SimulationOutput, load: FacilityLoad,
                    window: Window) -> dict[str, int]:
    """Parcels sorted in the window at each kind of facility, from the facilities' hourly
    counts rather than the ledger: every parcel's sorting stamp is binned at its facility,
    and the window's bounds are whole hours."""
    level = output.network.tree.level[load.nodes]
    in_window = load.sorted[:, window.start : window.end].sum(axis=1)
    return {kind: int(in_window[level == NODE_KINDS.index(kind)].sum())
            for kind in ("hub", "park", "station")}
