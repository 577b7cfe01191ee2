"""Shelves sharing one `HandOvers`: what the loops handed over together record is what
handing them over one by one, in the order they left, would record."""

from __future__ import annotations

from collections import Counter

import numpy as np

from sim.clock import ALWAYS
from sim.demand import Parcels
from sim.engine.handover import HandOvers
from sim.engine.ledger import Ledger
from sim.engine.shelf import PickupDelay, Shelves
from sim.scenario.models import Pickup

DOOR_SHARE = 0.3
DELAY_H = 3.0  # fixed, always open: a shelf parcel is picked up this long after it arrives
SLOTS = 1000.0
SIZES = (3, 2)  # members of each shelves


def _ledger(parcels: int, rng: np.random.Generator) -> Ledger:
    zeros = np.zeros(parcels, dtype=np.int32)
    return Ledger(Parcels(created=np.zeros(parcels), flow=zeros.astype(np.int8), origin=zeros,
                          destination=zeros, u_pickup=rng.random(parcels, dtype=np.float32),
                          u_door=rng.random(parcels, dtype=np.float32)))


class _OneByOne:
    """Peaks and free slots kept loop by loop, in the order the loops left."""

    def __init__(self, ledger: Ledger) -> None:
        self.u_door = ledger.parcels.u_door
        self.u_pickup = ledger.parcels.u_pickup
        self.records: list[tuple[int, int, float, float]] = []  # shelves, member, drop, pickup
        self.at_door: list[tuple[int, float]] = []  # shelves, when the resident has it
        self.peak: Counter = Counter()
        self.loaded: Counter = Counter()

    def hand_over(self, shelves: int, drops: list[tuple[np.ndarray, int, float]]) -> None:
        for ids, member, t in drops:
            door = self.u_door[ids] < DOOR_SHARE
            on_shelf = int(np.count_nonzero(~door))
            self.records += [(shelves, member, t, t + DELAY_H)] * on_shelf
            self.at_door += [(shelves, t + float(u)) for u in self.u_pickup[ids[door]]]
            self.loaded[shelves, member] += len(ids) - on_shelf
        for _, member, t in drops:
            present = sum(1 for s, m, drop, pickup in self.records
                          if (s, m) == (shelves, member) and drop <= t < pickup)
            self.peak[shelves, member] = max(self.peak[shelves, member], present)

    def waiting(self, shelves: int, t: float) -> int:
        return (sum(1 for s, _, _, pickup in self.records if s == shelves and pickup > t)
                + sum(1 for s, done in self.at_door if s == shelves and done > t))

    def free(self, shelves: int, t: float) -> list[float]:
        held = Counter(m for s, m, _, pickup in self.records if s == shelves and pickup > t)
        return [SLOTS - held[m] - self.loaded[shelves, m] for m in range(SIZES[shelves])]


def test_loops_handed_over_together_match_one_by_one() -> None:
    rng = np.random.default_rng(7)
    ledger = _ledger(20_000, rng)
    delay = PickupDelay(Pickup(mean_delay_h=DELAY_H, distribution="fixed",
                               door_share=DOOR_SHARE))
    hand_overs = HandOvers(ledger, delay)
    shelves = [Shelves(ledger, [SLOTS] * size, [ALWAYS] * size, delay, DOOR_SHARE, 1.0,
                       hand_overs=hand_overs) for size in SIZES]
    reference = _OneByOne(ledger)
    next_id, now = 0, 0.0
    for _ in range(400):
        now += float(rng.integers(0, 3))
        which = int(rng.integers(len(SIZES)))
        if rng.random() < 0.2:  # a departure reads free slots: the loops so far settle
            assert shelves[which].free(now).tolist() == reference.free(which, now)
        drops = []
        for member in np.flatnonzero(rng.random(SIZES[which]) < 0.7).tolist():
            ids = np.arange(next_id, next_id + int(rng.integers(1, 6)))
            next_id += len(ids)
            # drops reach a member 1-7 h after leaving: a later loop may get there sooner
            drops.append((ids, member, now + float(rng.integers(1, 8))))
        loaded = np.bincount([m for ids, m, _ in drops for _ in ids], minlength=SIZES[which])
        shelves[which].reserve(loaded)
        for drop in drops:
            shelves[which].drop_later(*drop)
        shelves[which].flush(now)
        reference.hand_over(which, drops)
    for index, shelf in enumerate(shelves):
        assert shelf.peak.tolist() == [reference.peak[index, m] for m in range(SIZES[index])]
        assert shelf.waiting_after(now) == reference.waiting(index, now)
