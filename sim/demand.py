"""Parcel generation: every parcel of the run, drawn before the simulation starts.

Demand is exogenous (residents order and send whatever the network does), so all parcels are
drawn up front as columns. Each served node has its own random stream per flow, keyed by its
id, so two scenarios on the same seed see the same parcels wherever their demand inputs agree
(common random numbers). Each parcel also carries two uniforms that fix its resident's
behaviour (pickup delay, door delivery) whatever the scenario.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.errors import ScenarioError
from sim.network.tree import GATEWAY, Tree
from sim.scenario.models import Demand, RunSettings

DOWN, UP = 0, 1
PARCEL_ID = np.int32  # parcel ids index the ledger; run.max_parcels keeps them in range
FLOW_NAMES = ("down", "up")
STREAM_DEMAND = 1


def node_stream(run: RunSettings, stream: int, *keys: int | str) -> np.random.Generator:
    """An independent generator for one stochastic input of one replication.

    The run's SeedSequence is (seed, replication); each input's stream is spawned from it by
    a stable key (the input kind and a node or route id), so it is the same in every
    scenario on the same seed and replication (common random numbers).
    """
    words = [k if isinstance(k, int) else zlib.crc32(k.encode("utf-8")) for k in keys]
    sequence = np.random.SeedSequence(run.seed, spawn_key=(run.replication, stream, *words))
    return np.random.Generator(np.random.PCG64(sequence))


@dataclass(frozen=True)
class Parcels:
    """The parcels of a run, sorted by creation time; index = parcel id."""

    created: np.ndarray  # float64 hours since the start date's midnight
    flow: np.ndarray  # int8, DOWN or UP
    origin: np.ndarray  # int32 node index
    destination: np.ndarray  # int32 node index
    u_pickup: np.ndarray  # float32 in [0, 1): pickup delay quantile / door time share
    u_door: np.ndarray  # float32 in [0, 1): below the door share -> delivered to the door
    carrier: np.ndarray | None = None  # int8 index into the scenario's carriers
    by_origin: dict[int, np.ndarray] | None = None  # origin -> its ids in creation order

    def __len__(self) -> int:
        return len(self.created)

    def carriers(self) -> np.ndarray:
        """Each parcel's carrier (all 0 when the parcels were made without carriers)."""
        if self.carrier is None:
            return np.zeros(len(self.created), dtype=np.int8)
        return self.carrier

    def origin_groups(self) -> dict[int, np.ndarray]:
        """Each origin's parcel ids in creation order (given, or found by a stable sort)."""
        if self.by_origin is not None:
            return self.by_origin
        order = np.argsort(self.origin, kind="stable").astype(PARCEL_ID)
        nodes, starts = np.unique(self.origin[order], return_index=True)
        ends = np.append(starts[1:], len(order))
        return {int(n): order[s:e] for n, s, e in zip(nodes, starts, ends, strict=True)}


def day_multipliers(demand: Demand, run: RunSettings) -> np.ndarray:
    """Volume factor of each day: demand.multiplier x the largest calendar event that day."""
    factors = np.full(run.days, demand.multiplier, dtype=np.float64)
    for day in range(run.days):
        date = run.start_date + dt.timedelta(days=day)
        events = [e.multiplier for e in demand.events if e.start <= date <= e.end]
        if events:
            factors[day] *= max(events)
    return factors


def expected_parcels(tree: Tree, demand: Demand, run: RunSettings) -> float:
    """Mean number of parcels a run will draw."""
    per_day = float(tree.population.sum()) * (demand.down_per_resident_day
                                              + demand.up_per_resident_day)
    return per_day * float(day_multipliers(demand, run).sum())


def check_volume(tree: Tree, demand: Demand, run: RunSettings, source: str) -> None:
    """Refuse runs that would not fit in memory, before drawing a single parcel."""
    expected = expected_parcels(tree, demand, run)
    if expected > run.max_parcels:
        raise ScenarioError(
            source, "demand",
            f"about {expected:,.0f} parcels expected, more than run.max_parcels "
            f"({run.max_parcels:,}); lower the demand or the days, or raise run.max_parcels",
        )


def generate_parcels(tree: Tree, demand: Demand, run: RunSettings,
                     carrier_shares: Sequence[float] = (1.0,)) -> Parcels:
    """Draw every parcel: Poisson counts per node and day, times from the hourly profile,
    and a carrier by market share."""
    factors = day_multipliers(demand, run)
    shares = np.cumsum(carrier_shares, dtype=np.float64)
    shares /= shares[-1]
    gateway = int(tree.of_level(GATEWAY)[0])
    served = np.flatnonzero(tree.population > 0)
    parts = []
    for flow, rate, profile in (
        (DOWN, demand.down_per_resident_day, demand.down_profile),
        (UP, demand.up_per_resident_day, demand.up_profile),
    ):
        if rate <= 0:
            continue
        cumulative = np.cumsum(profile, dtype=np.float64)
        cumulative /= cumulative[-1]
        for node in served:
            rng = node_stream(run, STREAM_DEMAND, flow, str(tree.ids[node]))
            counts = rng.poisson(tree.population[node] * rate * factors)
            total = int(counts.sum())
            if total == 0:
                continue
            hour = np.searchsorted(cumulative, rng.random(total), side="right")
            hour = np.minimum(hour, 23)
            day = np.repeat(np.arange(run.days), counts)
            created = np.sort(day * 24.0 + hour + rng.random(total))
            u_pickup = rng.random(total, dtype=np.float32)
            u_door = rng.random(total, dtype=np.float32)
            carrier = np.minimum(np.searchsorted(shares, rng.random(total), side="right"),
                                 len(shares) - 1).astype(np.int8)
            parts.append((created, flow, int(node), u_pickup, u_door, carrier))
    return _assemble(parts, gateway)


def _assemble(parts: list, gateway: int) -> Parcels:
    """One table in creation order, and each origin's parcel ids in creation order."""
    if not parts:
        uniform = np.empty(0, np.float32)
        return Parcels(np.empty(0), np.empty(0, np.int8), np.empty(0, np.int32),
                       np.empty(0, np.int32), uniform, uniform, np.empty(0, np.int8), {})
    created = np.concatenate([p[0] for p in parts])
    sizes = [len(p[0]) for p in parts]
    flow = np.repeat(np.array([p[1] for p in parts], dtype=np.int8), sizes)
    node = np.repeat(np.array([p[2] for p in parts], dtype=np.int32), sizes)
    # times are continuous, so ties have probability zero; any fixed order is reproducible
    order = np.argsort(created).astype(PARCEL_ID)
    position = np.empty(len(order), dtype=PARCEL_ID)
    position[order] = np.arange(len(order), dtype=PARCEL_ID)
    flow_sorted = flow[order]
    by_origin = {gateway: np.flatnonzero(flow_sorted == DOWN).astype(PARCEL_ID)}
    start = 0
    for (_, part_flow, part_node, *_), size in zip(parts, sizes, strict=True):
        if part_flow == UP:  # each part is one node's times, sorted: ids come out in order
            by_origin[part_node] = position[start : start + size]
        start += size
    del position
    node = node[order]
    return Parcels(
        created=created[order],
        flow=flow_sorted,
        origin=np.where(flow_sorted == DOWN, gateway, node).astype(np.int32),
        destination=np.where(flow_sorted == DOWN, node, gateway).astype(np.int32),
        u_pickup=np.concatenate([p[3] for p in parts])[order],
        u_door=np.concatenate([p[4] for p in parts])[order],
        carrier=np.concatenate([p[5] for p in parts])[order],
        by_origin=by_origin,
    )
