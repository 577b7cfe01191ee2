"""Goods other than parcels in the same SimPy environment as the parcels.

Farm products go village -> pre-cooling room -> cold-chain base -> gateway; frozen food goes
gateway -> base -> village points with freezers; freight goes between the other hubs and the
gateway. The goods share no vehicle or facility with parcels, only the clock and the roads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from sim.errors import ConservationError
from sim.freight.fleet import GATEWAY_KEY, FleetRunner, FreightTrips, Stops
from sim.freight.life import DELIVERED, SOUND, SPOILED, ShelfLife
from sim.freight.lots import Lots, generate_lots
from sim.freight.plan import FleetPlan, GoodsPlan, build_plan
from sim.freight.rooms import ColdRoom
from sim.freight.store import HERE, HubStore
from sim.network import Network
from sim.scenario.goods import Precooling
from sim.scenario.loader import LoadedScenario


@dataclass(frozen=True)
class GoodsOutput:
    """Everything the goods model produced, for `sim.results.goods` to summarise."""

    plan: GoodsPlan
    lots: Lots
    life: ShelfLife
    trips: pd.DataFrame
    rooms: dict[int, ColdRoom]
    stores: list[HubStore]
    fleets: list[FleetRunner]
    in_network: int


class GoodsModel:
    """Builds the goods' rooms, stores and fleets on an environment; `finish` checks them."""

    def __init__(self, env: simpy.Environment, scenario: LoadedScenario, network: Network,
                 end_h: float, power_cuts: dict[str, list[tuple[float, float]]] | None = None
                 ) -> None:
        config = scenario.config
        self.env, self.end_h = env, end_h
        self.plan = plan = build_plan(scenario, network)
        self.lots = lots = generate_lots(plan, config.run)
        self.life = ShelfLife(lots, plan.products)
        flows = np.array([p.flow for p in plan.products] or ["up"], dtype=object)[lots.product]
        self.key_of = self._keys(flows)
        self.stores = [HubStore(self.life, lots.pallets, hub.handling_per_h,
                                hub.cold_storage_pallets if hub.role == "cold_chain_base"
                                else np.inf, cold=hub.role == "cold_chain_base")
                       for hub in plan.hubs]
        self.gateway = HubStore(self.life, lots.pallets, np.inf, np.inf, cold=True)
        at_gateway = np.flatnonzero(np.isin(flows, ["down", "in"]))
        self.life.move(at_gateway, lots.created[at_gateway], cold=True)  # its cold store
        self._put_by_key(self.gateway, at_gateway, lots.hub)
        for index, store in enumerate(self.stores):
            out = np.flatnonzero((flows == "out") & (lots.hub == index))
            store.put(GATEWAY_KEY, out, lots.created[out], lots.created[out])
        self.rooms = self._rooms(np.flatnonzero(flows == "up"), config.precooling)
        for index, hub in enumerate(plan.hubs):
            if hub.role == "cold_chain_base" and (power_cuts or {}).get(hub.name):
                env.process(self._power_cuts(self.stores[index], power_cuts[hub.name]))
        self.trips = FreightTrips()
        self.fleets = [FleetRunner(env, fleet, self._stops(fleet),
                                   self.stores[fleet.hub], self.life, lots.pallets,
                                   self.key_of, lots.destination, self.trips, end_h)
                       for fleet in plan.fleets]

    def _power_cuts(self, store: HubStore, periods: list[tuple[float, float]]):
        """Switch a cold store's power off and on as the disruptions say."""
        for start, end in sorted(periods):
            yield self.env.timeout(max(start - self.env.now, 0.0))
            store.set_power(self.env.now, on=False)
            yield self.env.timeout(max(end - self.env.now, 0.0))
            store.set_power(self.env.now, on=True)

    def _keys(self, flows: np.ndarray) -> np.ndarray:
        """The key each lot is held under at its hub: the trip that takes it on."""
        plan, lots = self.plan, self.lots
        keys = np.full(len(lots), GATEWAY_KEY, dtype=np.int64)
        keys[flows == "in"] = HERE
        down = np.flatnonzero(flows == "down")
        for fleet in plan.fleets:
            if fleet.job != "distribute":
                continue
            zone_of = np.zeros(len(plan.site_names), dtype=np.int64)
            for z, zone in enumerate(fleet.zones):
                zone_of[zone.stops] = z
            mine = down[lots.hub[down] == fleet.hub]
            keys[mine] = zone_of[lots.destination[mine]]
        return keys

    def _put_by_key(self, store: HubStore, ids: np.ndarray, key: np.ndarray) -> None:
        for value in np.unique(key[ids]):
            mine = ids[key[ids] == value]
            store.put(int(value), mine, self.lots.created[mine], self.lots.created[mine])

    def _rooms(self, up: np.ndarray, precooling: Precooling) -> dict[int, ColdRoom]:
        plan, lots = self.plan, self.lots
        room_of = plan.precool_site[lots.origin[up]]
        rooms = {}
        sites = {int(z.stops[0]) for f in plan.fleets if f.job == "collect" for z in f.zones}
        for site in sorted(sites):
            mine = up[room_of == site]
            arrival = lots.created[mine] + plan.first_mile_km[lots.origin[mine]] / \
                precooling.first_mile_kmh
            rooms[int(site)] = ColdRoom(self.life, lots.pallets, mine, arrival,
                                        precooling.pallets, precooling.hours)
        return rooms

    def _stops(self, fleet: FleetPlan) -> Stops:
        """What each job does: line haul swaps goods with the gateway, collection fetches
        from pre-cooling rooms, distribution hands frozen food to village points."""
        hub, job = fleet.hub, fleet.job
        store = self.stores[hub]
        none = np.empty(0, dtype=np.int64)
        if job == "line_haul":
            return Stops(
                owed=lambda z, t: store.ready_pallets(GATEWAY_KEY, t),
                fetchable=lambda z, t: min(self.gateway.ready_pallets(hub, t), store.room()),
                load=lambda z, t, most: store.take(GATEWAY_KEY, t, most),
                pick_up=lambda z, stop, t, most: self.gateway.take(hub, t, most),
                books_room=store.capacity < np.inf)
        if job == "collect":
            sites = [int(zone.stops[0]) for zone in fleet.zones]
            return Stops(
                owed=lambda z, t: 0.0,
                fetchable=lambda z, t: min(self.rooms[sites[z]].inside_pallets(t),
                                           store.room()),
                load=lambda z, t, most: none,
                pick_up=lambda z, stop, t, most: self.rooms[stop].take(t, most),
                books_room=True)
        return Stops(
            owed=lambda z, t: store.ready_pallets(z, t),
            fetchable=lambda z, t: 0.0,
            load=lambda z, t, most: store.take(z, t, most),
            pick_up=lambda z, stop, t, most: none,
            books_room=False, picks_up=False)

    def finish(self) -> GoodsOutput:
        """Throw out what spoiled by the end and check every lot is accounted for."""
        end = self.end_h
        held = (sum(room.finish(end) for room in self.rooms.values())
                + sum(store.finish(end) for store in [*self.stores, self.gateway])
                + sum(fleet.finish(end) for fleet in self.fleets))
        fate = self.life.fate
        self.life.age_to(np.flatnonzero(fate == SOUND), end)  # hours out of cold so far
        delivered, spoiled = int((fate == DELIVERED).sum()), int((fate == SPOILED).sum())
        if len(self.lots) != delivered + spoiled + held:
            raise ConservationError(
                f"goods not conserved: made {len(self.lots)} lots != delivered {delivered} + "
                f"spoiled {spoiled} + in the network {held}")
        trips = pd.DataFrame(self.trips.rows, columns=list(self.trips.columns))
        return GoodsOutput(plan=self.plan, lots=self.lots, life=self.life, trips=trips,
                           rooms=self.rooms, stores=self.stores, fleets=self.fleets,
                           in_network=held)
