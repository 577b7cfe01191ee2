"""A facility (gateway, hub, county park, township station): receive, sort, route to queues.

Parcels reach a facility in batches off vehicles, or one by one when residents drop them off
there (exogenous arrivals, drawn in advance). `sync(t)` brings the exogenous arrivals up to t
into the sorting line before anything else happens at t, so the line always serves in true
arrival order.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.engine.ledger import Ledger
from sim.engine.queues import ParcelQueue
from sim.engine.shelf import Shelves
from sim.engine.sorting import SortingLine
from sim.network import Network
from sim.scenario.models import NODE_KINDS

UP_KEY = -1  # toward the parent
LOCAL_KEY = -2  # to residents served at this node
DONE_KEY = -3  # upward parcels that reached the gateway


class Facility:
    """Receives parcels, sorts them on its line and files each in the right outbound queue."""

    def __init__(self, env: simpy.Environment, node: int, network: Network, ledger: Ledger,
                 line: SortingLine | None, dropoffs: ParcelQueue | None) -> None:
        self.env = env
        self.node = node
        self.level = int(network.tree.level[node])
        self.kind = NODE_KINDS[self.level]
        self.ledger = ledger
        self.line = line
        self.dropoffs = dropoffs  # residents' own parcels, ready at their creation time
        self.up_queue = ParcelQueue(env)
        self.route_queues: dict[int, ParcelQueue] = {}
        self.counter: Shelves | None = None  # set where residents collect at the facility
        self._up_key = DONE_KEY if self.kind == "gateway" else UP_KEY
        # residents' drop-offs go up, except at the gateway, where every downward parcel
        # starts
        self._dropoff_key = None if self.kind == "gateway" else UP_KEY
        down_key = self._down_keys(network)
        # outbound queue by a parcel's cell (see Ledger.down_cell): down, then the up key
        # small keys sort by radix (stable, linear time) when unloads are split by queue
        key_type = np.int16 if len(network.routes) < np.iinfo(np.int16).max else np.int32
        self._key_of_cell = np.append(down_key.ravel(), self._up_key).astype(key_type)
        self._cell = ledger.down_cell(*down_key.shape)
        self._walk_h = network.walk_h
        self._arr = None if self.kind == "gateway" else f"{self.kind}_arr"
        self._sorted = None if line is None else f"{self.kind}_sorted"
        self.departure_stage = f"{self.kind}_dep"
        self._last_ready = -np.inf
        # drop-offs in the line's open clock, worked out once for them all (by position)
        self._dropoffs_opened = None
        if line is not None and dropoffs is not None:
            self._dropoffs_opened = line.clock.to_open(dropoffs.ready)
        if line is None:
            self.sync(np.inf)  # nothing to sort: drop-offs are ready when made

    def queue_for(self, route: int) -> ParcelQueue:
        if route not in self.route_queues:
            self.route_queues[route] = ParcelQueue(self.env)
        return self.route_queues[route]

    def sync(self, t: float) -> None:
        """Admit residents' drop-offs brought in up to time t."""
        if self.dropoffs is not None and len(self.dropoffs):
            ids, arrival = self.dropoffs.take_with_ready(t, len(self.dropoffs))
            if len(ids):
                opened = None
                if self._dropoffs_opened is not None:  # the queue is taken from its head
                    taken = len(self._dropoffs_opened) - len(self.dropoffs)
                    opened = self._dropoffs_opened[taken - len(ids) : taken]
                self._admit(ids, arrival, self._dropoff_key, opened)

    def receive(self, ids: np.ndarray, t: float, from_below: bool = False) -> None:
        """A vehicle unloads `ids` here at time t; `from_below`: its own loop's vehicle, back
        with what it collected, which all goes up."""
        self.sync(t)
        if len(ids):
            self._admit(ids, t, self._up_key if from_below else None)

    def _admit(self, ids: np.ndarray, arrival: np.ndarray | float, key: int | None = None,
               opened: np.ndarray | None = None) -> None:
        """Stamp, sort and file parcels arriving at `arrival` (one time, or one each, then
        `opened` in the line's clock if known), into the queue of `key` if it is known for
        them all."""
        ledger = self.ledger
        if self._arr is not None:
            ledger.stamp(self._arr, ids, arrival)
        if self.line is None:
            ready = np.broadcast_to(np.asarray(arrival, dtype=np.float64), ids.shape)
        else:
            if np.ndim(arrival):
                finish = self.line.serve(arrival, opened)
            else:
                finish = self.line.serve_together(arrival, len(ids))
            ledger.stamp(self._sorted, ids, finish)
            ready = finish
            if not self.line.in_order:
                # outbound bays fill in arrival order: with several lines a parcel sorted
                # early waits for those that came before it
                ready = np.maximum.accumulate(np.maximum(finish, self._last_ready))
                self._last_ready = float(ready[-1])
        if key is not None:
            self._file(key, ids, ready)
            return
        keys = self._key_of_cell[self._cell[ids]]
        if (keys == keys[0]).all():
            self._file(int(keys[0]), ids, ready)
            return
        order = np.argsort(keys, kind="stable")
        keys, ids, ready = keys[order], ids[order], ready[order]
        starts = [0, *(np.flatnonzero(np.diff(keys)) + 1).tolist()]
        ends = [*starts[1:], len(keys)]
        for key, start, end in zip(keys[starts].tolist(), starts, ends, strict=True):
            self._file(key, ids[start:end], ready[start:end])

    def _down_keys(self, network: Network) -> np.ndarray:
        """Outbound queue of a downward parcel by (destination, carrier): the route it
        leaves on, or the local key (residents of this node, villagers who collect here)."""
        routes = network.route_down_from(self.level)
        return np.where(routes >= 0, routes, LOCAL_KEY).astype(np.int32)

    def _file(self, key: int, ids: np.ndarray, ready: np.ndarray) -> None:
        if key == UP_KEY:
            self.up_queue.push(ids, ready)
        elif key == DONE_KEY:
            self.ledger.stamp("done", ids, ready)
        elif key == LOCAL_KEY:
            self.ledger.stamp(self.departure_stage, ids, ready)
            walk = self._walk_h[self.ledger.destination[ids]]  # villagers who come to collect
            self.counter.hand_over(ids, ready, now=self.env.now, extra_h=walk)
        else:
            self.queue_for(key).push(ids, ready)

    def queued(self) -> int:
        """Parcels held here at the end of a run: drop-offs not yet admitted, outbound queues."""
        pending = len(self.dropoffs) if self.dropoffs is not None else 0
        return pending + len(self.up_queue) + sum(len(q) for q in self.route_queues.values())
