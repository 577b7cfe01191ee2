"""Cold-chain and freight KPIs: spoilage, time out of refrigeration, storage, reefers, cost.

Lots count when they were made inside the measured window, like parcels. Rates are by weight.
A lot still in the network at the end is neither delivered nor spoiled: it is reported as in
the network, so a spoilage rate never hides goods that are stuck.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.freight.fleet import FleetRunner
from sim.freight.life import DELIVERED, SPOILED, ShelfLife
from sim.freight.lots import Lots
from sim.freight.model import GoodsOutput
from sim.freight.plan import GoodsPlan
from sim.results.resources import Window

PERCENTILES = (50, 95)


def _percentiles(values: np.ndarray) -> dict[str, float | None]:
    if not len(values):
        return {f"p{q}": None for q in PERCENTILES}
    return {f"p{q}": float(v) for q, v in zip(PERCENTILES, np.percentile(values, PERCENTILES),
                                               strict=True)}


def lot_tonnes(goods: GoodsOutput) -> np.ndarray:
    products = goods.plan.products
    kg_per_pallet = np.array([p.units_per_pallet * p.kg_per_unit for p in products] or [0.0])
    return goods.lots.pallets * kg_per_pallet[goods.lots.product] / 1000.0


def lot_places(goods: GoodsOutput) -> tuple[np.ndarray, np.ndarray]:
    """Each lot's place, the county it comes from or goes to (farm products, frozen food),
    else its hub: (the places' names, sorted; each lot's index into them)."""
    plan, lots = goods.plan, goods.lots
    has_county = plan.site_county != ""
    village = np.where(has_county[lots.origin], lots.origin, lots.destination)
    hub_names = np.array([h.name for h in plan.hubs] or [""], dtype=object)
    names = np.concatenate((plan.site_county, hub_names))
    return _factorised(names, np.where(has_county[village], village,
                                       len(plan.site_county) + lots.hub))


def _factorised(names: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct names[index], each row's position among them), computed on the few
    distinct indices rather than on every row's string."""
    used, row = np.unique(index, return_inverse=True)
    distinct, position = np.unique(names[used].astype(str), return_inverse=True)
    return distinct, position[row]


def _categorical(names: np.ndarray, index: np.ndarray) -> pd.Categorical:
    """pd.Categorical(names[index].astype(str)), without making a string per row."""
    return _from_codes(*_factorised(names, index))


def _from_codes(categories: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """A categorical of the sorted distinct `categories`, typed as pd.Categorical types
    them (also when there are none)."""
    return pd.Categorical.from_codes(codes, dtype=pd.Categorical(categories).dtype)


def goods_summary(goods: GoodsOutput, window: Window) -> dict:
    plan, lots, life = goods.plan, goods.lots, goods.life
    measured = (lots.created >= window.start) & (lots.created < window.end)
    tonnes = lot_tonnes(goods)
    place = lot_places(goods)
    products = {}
    for index, product in enumerate(plan.products):
        mine = measured & (lots.product == index)
        products[product.name] = _product_block(goods, mine, tonnes, place, window,
                                                product.chain != "ambient")
        products[product.name].update(flow=product.flow, chain=product.chain)
    trips = _trips_by_fleet(goods.trips, window)
    fleets = {runner.plan.name: _fleet_block(runner, trips.get(runner.plan.name,
                                                               goods.trips.iloc[:0]), window)
              for runner in goods.fleets}
    hubs = {hub.name: _hub_block(goods, index, window) for index, hub in enumerate(plan.hubs)}
    cost = _cost(goods, fleets, hubs, measured, tonnes)
    fate = life.fate
    return {
        "lots": {
            "made": len(lots),
            "delivered": int((fate == DELIVERED).sum()),
            "spoiled": int((fate == SPOILED).sum()),
            "in_network": goods.in_network,
            "conserved": len(lots) == int((fate != 0).sum()) + goods.in_network,
        },
        "spoilage_rate": _cold_spoilage(plan, lots, life, measured, tonnes),
        "products": products,
        "tonnes_per_day": float(tonnes[measured & (fate == DELIVERED)].sum() / window.days),
        "hubs": hubs,
        "precooling": _rooms_block(goods, window),
        "fleets": fleets,
        "reefer_km": float(sum(f["km"] for f in fleets.values() if f["refrigerated"])),
        "truck_km": float(sum(f["km"] for f in fleets.values() if not f["refrigerated"])),
        "cost": cost,
    }


def _cold_spoilage(plan: GoodsPlan, lots: Lots, life: ShelfLife, measured: np.ndarray,
                   tonnes: np.ndarray) -> float | None:
    """Spoiled over made, by weight, of every product that needs the cold chain."""
    cold = np.array([p.chain != "ambient" for p in plan.products] or [False])[lots.product]
    made = float(tonnes[measured & cold].sum())
    spoiled = float(tonnes[measured & cold & (life.fate == SPOILED)].sum())
    return spoiled / made if made else None


def _product_block(goods: GoodsOutput, mine: np.ndarray, tonnes: np.ndarray,
                   place: tuple[np.ndarray, np.ndarray], window: Window, cold: bool) -> dict:
    lots, life = goods.lots, goods.life
    ids = np.flatnonzero(mine)  # the same rows in the same order: the same sums, fewer scans
    fate, weight = life.fate[ids], tonnes[ids]
    delivered, spoiled = fate == DELIVERED, fate == SPOILED
    made_t = float(weight.sum())
    names, place_of = place
    place_of = place_of[ids]
    by_place = {}
    for index in np.unique(place_of).tolist():
        here = place_of == index
        made = float(weight[here].sum())
        by_place[str(names[index])] = {
            "made_t": made,
            "spoiled_t": float(weight[here & spoiled].sum()),
            "spoilage_rate": float(weight[here & spoiled].sum() / made) if made else None,
        }
    finished = delivered | spoiled
    return {
        "lots": len(ids),
        "made_t": made_t,
        "delivered_t": float(weight[delivered].sum()),
        "spoiled_t": float(weight[spoiled].sum()),
        "in_network_t": float(weight[fate == 0].sum()),
        "spoilage_rate": float(weight[spoiled].sum() / made_t) if made_t else None,
        "tonnes_per_day": float(weight[delivered].sum() / window.days),
        "lead_time_h": _percentiles(life.ended[ids[delivered]] - lots.created[ids[delivered]]),
        "out_of_refrigeration_h": _percentiles(life.ambient_h[ids[finished]]) if cold else
        {f"p{q}": None for q in PERCENTILES},
        "by_county": by_place,
    }


def _trips_by_fleet(trips: pd.DataFrame, window: Window) -> dict[str, pd.DataFrame]:
    """Each fleet's trips that left inside the window, in their order."""
    inside = trips[(trips["depart_h"] >= window.start) & (trips["depart_h"] < window.end)]
    return dict(tuple(inside.groupby("fleet", sort=False)))


def _fleet_block(runner: FleetRunner, trips: pd.DataFrame, window: Window) -> dict:
    spec = runner.plan.spec
    peak, mean = runner.out.stats(window.start, window.end)
    km = float(trips["km"].sum())
    return {
        "vehicles": spec.vehicles,
        "refrigerated": spec.refrigerated,
        "trips": len(trips),
        "km": km,
        "pallets": float(trips["pallets_out"].sum() + trips["pallets_back"].sum()),
        "utilisation": mean / spec.vehicles if spec.vehicles else None,
        "peak_out": round(peak),
        "cost": km * spec.cost_per_km + spec.vehicles * window.days * spec.cost_per_vehicle_day,
    }


def _hub_block(goods: GoodsOutput, index: int, window: Window) -> dict:
    hub, store = goods.plan.hubs[index], goods.stores[index]
    peak, mean = store.occupancy.stats(window.start, window.end)
    handled = store.handled_between(window.start, window.end)
    block = {
        "role": hub.role,
        "label": hub.label,
        "handled_pallets": handled,
        "handling_utilisation": handled / (hub.handling_per_h * (window.end - window.start)),
        "stored_peak_pallets": peak,
        "handling_cost": handled * hub.handling_cost_per_pallet,
        "storage_cost": mean * window.days * hub.storage_cost_per_pallet_day,
    }
    if hub.role == "cold_chain_base":
        capacity = hub.cold_storage_pallets
        block["cold_storage"] = {
            "pallets": capacity,
            "peak": peak,
            "utilisation": mean / capacity if capacity else None,
            "peak_share": peak / capacity if capacity else None,
        }
    return block


def _rooms_block(goods: GoodsOutput, window: Window) -> dict:
    if not goods.rooms:
        return {"rooms": 0, "peak_pallets": 0.0, "utilisation": None, "full_rooms": 0}
    stats = [room.occupancy.stats(window.start, window.end) for room in goods.rooms.values()]
    capacity = next(iter(goods.rooms.values())).capacity
    peaks = np.array([s[0] for s in stats])
    means = np.array([s[1] for s in stats])
    return {
        "rooms": len(stats),
        "peak_pallets": float(peaks.max()),
        "utilisation": float(means.mean() / capacity) if capacity else None,
        # full: no room left for one more pallet at some moment
        "full_rooms": int((peaks > capacity - 1.0).sum()) if capacity else len(stats),
    }


def _cost(goods: GoodsOutput, fleets: dict, hubs: dict, measured: np.ndarray,
          tonnes: np.ndarray) -> dict:
    plan, life = goods.plan, goods.life
    vehicles = sum(f["cost"] for f in fleets.values())
    handling = sum(h["handling_cost"] for h in hubs.values())
    storage = sum(h["storage_cost"] for h in hubs.values())
    total = vehicles + handling + storage
    delivered = measured & (life.fate == DELIVERED)
    base = {h.name for h in plan.hubs if h.role == "cold_chain_base"}
    cold_cost = sum(f["cost"] for name, f in fleets.items() if name.split(":", 1)[1] in base) \
        + sum(h["handling_cost"] + h["storage_cost"] for name, h in hubs.items() if name in base)
    chilled = np.array([p.chain != "ambient" for p in plan.products] or [False])
    cold_t = float(tonnes[delivered & chilled[goods.lots.product]].sum())
    all_t = float(tonnes[delivered].sum())
    return {
        "total": float(total),
        "vehicles": float(vehicles),
        "handling": float(handling),
        "storage": float(storage),
        "per_tonne": float(total / all_t) if all_t else None,
        "cold_chain": float(cold_cost),
        "cold_chain_per_tonne": float(cold_cost / cold_t) if cold_t else None,
    }


def lots_table(goods: GoodsOutput) -> pd.DataFrame:
    """One row per lot: what, from where to where, when, its fate and its shelf life used."""
    plan, lots, life = goods.plan, goods.lots, goods.life
    names = [p.name for p in plan.products]
    fates = np.array(["in_network", "delivered", "spoiled"], dtype=object)
    places, place_of = lot_places(goods)
    return pd.DataFrame({
        "lot": np.arange(len(lots), dtype=np.int32),
        "product": pd.Categorical.from_codes(lots.product, categories=names),
        "origin": _categorical(plan.site_names, lots.origin),
        "destination": _categorical(plan.site_names, lots.destination),
        "county": _from_codes(places, place_of),
        "pallets": lots.pallets,
        "tonnes": lot_tonnes(goods),
        "created_h": lots.created,
        "ended_h": life.ended,
        "fate": _categorical(fates, life.fate),
        "out_of_refrigeration_h": life.ambient_h,
        "shelf_life_used": np.minimum(life.used, 1.0),
    })


# The frames of summary.json's `cold_chain` both the command line and the app show: codes
# and numbers only, in columns that do not depend on the language (sim/results/columns.py
# gives their headings and order).
PRODUCT_COLUMNS = ("product", "flow", "made_t", "t_per_day", "spoilage_rate", "in_network_t",
                   "lead_p50_h", "lead_p95_h", "out_of_cold_p95_h")
PLACE_COLUMNS = ("product", "place", "made_t", "spoiled_t", "spoilage_rate")
HUB_COLUMNS = ("hub", "role", "pallets_handled", "dock_use", "cold_store_pallets", "peak",
               "mean_use")
FLEET_COLUMNS = ("fleet", "vehicles", "reefer", "trips", "km", "time_busy", "peak_out")


def product_frame(chain: dict) -> pd.DataFrame:
    """summary.json's `cold_chain.products` as one row per product."""
    return pd.DataFrame([{
        "product": name, "flow": block["flow"], "made_t": block["made_t"],
        "t_per_day": block["tonnes_per_day"], "spoilage_rate": block["spoilage_rate"],
        "in_network_t": block["in_network_t"], "lead_p50_h": block["lead_time_h"]["p50"],
        "lead_p95_h": block["lead_time_h"]["p95"],
        "out_of_cold_p95_h": block["out_of_refrigeration_h"]["p95"],
    } for name, block in chain["products"].items()], columns=list(PRODUCT_COLUMNS))


def place_frame(chain: dict) -> pd.DataFrame:
    """Each product's `by_county`: one row per product and place (a county, or a hub for
    freight) it was made in the measured window, so a product that spoils in one county
    shows there."""
    return pd.DataFrame([{
        "product": name, "place": place, "made_t": where["made_t"],
        "spoiled_t": where["spoiled_t"], "spoilage_rate": where["spoilage_rate"],
    } for name, block in chain["products"].items()
        for place, where in block["by_county"].items()], columns=list(PLACE_COLUMNS))


def hub_frame(chain: dict) -> pd.DataFrame:
    """`cold_chain.hubs`: one row per hub, cold storage blank where there is none."""
    rows = []
    for name, hub in chain["hubs"].items():
        store = hub.get("cold_storage") or {}
        rows.append({"hub": name, "role": hub["role"], "pallets_handled": hub["handled_pallets"],
                     "dock_use": hub["handling_utilisation"],
                     "cold_store_pallets": store.get("pallets"), "peak": store.get("peak"),
                     "mean_use": store.get("utilisation")})
    return pd.DataFrame(rows, columns=list(HUB_COLUMNS))


def fleet_frame(chain: dict) -> pd.DataFrame:
    """`cold_chain.fleets`: one row per hub fleet."""
    return pd.DataFrame([{
        "fleet": name, "vehicles": fleet["vehicles"], "reefer": fleet["refrigerated"],
        "trips": fleet["trips"], "km": fleet["km"], "time_busy": fleet["utilisation"],
        "peak_out": fleet["peak_out"],
    } for name, fleet in chain["fleets"].items()], columns=list(FLEET_COLUMNS))
