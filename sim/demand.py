"""Parcel generation: every parcel of the run, drawn before the simulation starts.

Demand is exogenous (residents order and send whatever the network does), so all parcels are
drawn up front as columns. Each served node has its own random stream per flow, keyed by its
id, so two scenarios on the same seed see the same parcels wherever their demand inputs agree
(common random numbers). Each parcel also carries two uniforms that fix its resident's
behaviour (pickup delay, door delivery) whatever the scenario.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from sim.network.tree import GATEWAY, Tree
from sim.scenario.calendar import day_multipliers
from sim.scenario.models import Demand, RunSettings

DOWN, UP = 0, 1
PARCEL_ID = np.int32  # parcel ids index the ledger; run.max_parcels keeps them in range
FLOW_NAMES = ("down", "up")
STREAM_DEMAND = 1
_CDF_BUCKETS = 1 << 12
_BLOCK = 1 << 16  # values worked on at a time in long columns


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


def generate_parcels(tree: Tree, demand: Demand, run: RunSettings,
                     carrier_shares: Sequence[float] = (1.0,)) -> Parcels:
    """Draw every parcel: Poisson counts per node and day, times from the hourly profile,
    and a carrier by market share.

    Each (flow, node) part draws from its own stream, in a fixed order: its daily counts,
    then per parcel an hour, a time within the hour, the two resident uniforms and a
    carrier. The draws land in run-wide columns, so the arithmetic on them runs once.
    """
    factors = day_multipliers(demand, run)
    served = np.flatnonzero(tree.population > 0)
    flows = [(flow, rate, profile) for flow, rate, profile in (
        (DOWN, demand.down_per_resident_day, demand.down_profile),
        (UP, demand.up_per_resident_day, demand.up_profile),
    ) if rate > 0]
    streams, part_counts = _daily_counts(tree, run, served, flows, factors)
    bounds = np.concatenate(([0], np.cumsum(part_counts.sum(axis=1))))
    if bounds[-1] == 0:
        return _no_parcels()
    hour, created, u_pickup, u_door, carrier_u = _draw_uniforms(
        streams, bounds, many_carriers=len(carrier_shares) > 1)
    _creation_times(created, hour, part_counts, bounds, [p for _, _, p in flows])
    del hour
    part_flow = np.repeat([flow for flow, _, _ in flows], len(served)).astype(np.int8)
    part_node = np.tile(served, len(flows)).astype(np.int32)
    return _assemble(bounds, part_flow, part_node, created, u_pickup, u_door,
                     _carriers(carrier_shares, carrier_u, len(created)),
                     int(tree.of_level(GATEWAY)[0]))


def _daily_counts(tree: Tree, run: RunSettings, served: np.ndarray,
                  flows: list[tuple[int, float, Sequence[float]]], factors: np.ndarray
                  ) -> tuple[list[np.random.Generator], np.ndarray]:
    """Each (flow, node) part's stream, flow by flow, and its parcels per day (its first
    draws)."""
    streams, counts = [], []
    for flow, rate, _ in flows:
        for node in served:
            rng = node_stream(run, STREAM_DEMAND, flow, str(tree.ids[node]))
            streams.append(rng)
            counts.append(rng.poisson(tree.population[node] * rate * factors))
    return streams, np.array(counts, dtype=np.int64).reshape(len(streams), run.days)


def _no_parcels() -> Parcels:
    """An empty table (a run where nobody orders or sends anything)."""
    uniform = np.empty(0, np.float32)
    return Parcels(np.empty(0), np.empty(0, np.int8), np.empty(0, np.int32),
                   np.empty(0, np.int32), uniform, uniform, np.empty(0, np.int8), {})


def _draw_uniforms(streams: list[np.random.Generator], bounds: np.ndarray,
                   many_carriers: bool) -> tuple[np.ndarray, ...]:
    """Hour, within-hour, pickup, door and carrier uniforms, each part's from its stream.

    With a single carrier the carrier draw, each stream's last, is left out: it could
    only pick that carrier.
    """
    total = int(bounds[-1])
    hour_u, within = np.empty(total), np.empty(total)
    u_pickup, u_door = np.empty(total, np.float32), np.empty(total, np.float32)
    carrier_u = np.empty(total if many_carriers else 0)
    for rng, start, end in zip(streams, bounds[:-1], bounds[1:], strict=True):
        rng.random(out=hour_u[start:end])
        rng.random(out=within[start:end])
        rng.random(dtype=np.float32, out=u_pickup[start:end])
        rng.random(dtype=np.float32, out=u_door[start:end])
        if many_carriers:
            rng.random(out=carrier_u[start:end])
    return hour_u, within, u_pickup, u_door, carrier_u


def _creation_times(within: np.ndarray, hour: np.ndarray, part_counts: np.ndarray,
                    bounds: np.ndarray, profiles: list[Sequence[float]]) -> None:
    """Turn the within-hour uniforms, in place, into creation times sorted in each part,
    from the hour uniforms (also used up) and each part's parcels per day."""
    parts, days = part_counts.shape
    flow_bounds = bounds[:: parts // len(profiles)]  # the flows' parts follow one another
    for profile, start, end in zip(profiles, flow_bounds[:-1], flow_bounds[1:], strict=True):
        _hour_of_day(profile, hour[start:end])
    hour += np.repeat(np.tile(np.arange(days) * 24.0, parts), part_counts.ravel())
    within += hour  # the hour's start (an exact integer) plus the time within it
    for start, end in pairwise(bounds):
        within[start:end].sort()  # each part's times in order, before the resident uniforms


def _hour_of_day(profile: Sequence[float], uniforms: np.ndarray) -> None:
    """Turn uniforms, in place, into hours of day under an hourly profile (inverse CDF).

    The same as a binary search of each uniform in the CDF, ten times faster: a uniform's
    leading bits put it in one of `_CDF_BUCKETS` equal buckets, and in a bucket that no step
    of the CDF falls into every uniform has the same hour; only the rest are searched.
    """
    cumulative = np.cumsum(profile, dtype=np.float64)
    cumulative /= cumulative[-1]
    edges = np.arange(_CDF_BUCKETS + 1) / _CDF_BUCKETS
    first = np.searchsorted(cumulative, edges[:-1], side="right")
    last = np.searchsorted(cumulative, np.nextafter(edges[1:], 0), side="right")
    stepped = first != last
    for start in range(0, len(uniforms), _BLOCK):  # blocks: temporaries stay in cache
        block = uniforms[start : start + _BLOCK]
        bucket = (block * _CDF_BUCKETS).astype(np.intp)  # exact: scaled by a power of two
        hour = first[bucket]
        searched = stepped[bucket]
        hour[searched] = np.searchsorted(cumulative, block[searched], side="right")
        block[:] = np.minimum(hour, 23)


def _carriers(carrier_shares: Sequence[float], uniforms: np.ndarray, total: int) -> np.ndarray:
    """Each parcel's carrier by market share (all 0 when there is one carrier)."""
    if len(carrier_shares) == 1:
        return np.zeros(total, dtype=np.int8)
    shares = np.cumsum(carrier_shares, dtype=np.float64)
    shares /= shares[-1]
    return np.minimum(np.searchsorted(shares, uniforms, side="right"),
                      len(shares) - 1).astype(np.int8)


def _assemble(bounds: np.ndarray, part_flow: np.ndarray, part_node: np.ndarray,
              created: np.ndarray, u_pickup: np.ndarray, u_door: np.ndarray,
              carrier: np.ndarray, gateway: int) -> Parcels:
    """One table in creation order, and each origin's parcel ids in creation order.

    The columns hold the parts one after the other, each part's times sorted.
    """
    # times are continuous, so ties have probability zero; any fixed order is reproducible
    order = np.argsort(created)
    position = np.empty(len(order), dtype=PARCEL_ID)
    position[order] = np.arange(len(order), dtype=PARCEL_ID)
    part = np.repeat(np.arange(len(part_flow), dtype=np.int32), np.diff(bounds))[order]
    flow = part_flow[part]
    by_origin = {gateway: np.arange(len(flow), dtype=PARCEL_ID)[flow == DOWN]}
    for index in np.flatnonzero((part_flow == UP) & (bounds[1:] > bounds[:-1])):
        # a part's times are sorted, so its ids come out in order
        by_origin[int(part_node[index])] = position[bounds[index] : bounds[index + 1]]
    del position
    down = part_flow == DOWN
    return Parcels(
        created=created[order],
        flow=flow,
        origin=np.where(down, gateway, part_node).astype(np.int32)[part],
        destination=np.where(down, part_node, gateway).astype(np.int32)[part],
        u_pickup=u_pickup[order],
        u_door=u_door[order],
        carrier=carrier[order],
        by_origin=by_origin,
    )
