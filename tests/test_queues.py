"""Parcel queues: FIFO, ready times, and loading bounded per stop."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.queues import DrawnArrivals, ParcelQueue


def test_take_only_what_is_ready_in_order():
    queue = ParcelQueue(simpy.Environment())
    queue.push(np.array([5, 6, 7]), np.array([1.0, 2.0, 3.0]))
    assert queue.ready_count(2.5) == 2
    assert queue.take(2.5, 10).tolist() == [5, 6]
    assert queue.time_ready(1) == 3.0
    assert queue.time_ready(2) == np.inf
    assert len(queue) == 1


@settings(max_examples=80, deadline=None)
@given(
    slots=st.lists(st.integers(0, 3), min_size=0, max_size=200),
    allowance=st.lists(st.integers(0, 5), min_size=4, max_size=4),
    limit=st.integers(0, 50),
    ready_share=st.floats(0, 1),
)
def test_limited_take_matches_a_plain_loop(slots, allowance, limit, ready_share):
    n = len(slots)
    ids = np.arange(100, 100 + n)
    ready = np.linspace(0, 1, n) if n else np.empty(0)
    slot_of = np.zeros(100 + n, dtype=np.int64)
    slot_of[ids] = slots
    queue = ParcelQueue(simpy.Environment(), ids, ready)
    taken, per_slot = queue.take_limited(ready_share, limit, slot_of, np.array(allowance))
    # reference: walk the ready parcels in order
    left, expected, kept = list(allowance), [], []
    for parcel, time in zip(ids, ready, strict=True):
        if time <= ready_share and len(expected) < limit and left[slot_of[parcel]] > 0:
            left[slot_of[parcel]] -= 1
            expected.append(parcel)
        else:
            kept.append(parcel)
    assert taken.tolist() == expected
    assert per_slot.tolist() == np.bincount(slot_of[taken], minlength=len(allowance)).tolist()
    assert queue.ids.tolist() == kept  # passed-over parcels keep their order
    assert np.all(np.diff(queue.ready) >= 0)


def test_push_wakes_a_waiting_process():
    env = simpy.Environment()
    queue = ParcelQueue(env)
    woke = []

    def waiter():
        yield queue.changed()
        woke.append(env.now)

    def pusher():
        yield env.timeout(3)
        queue.push(np.array([1]), np.array([3.0]))

    env.process(waiter())
    env.process(pusher())
    env.run()
    assert woke == [3]


def test_queue_grows_and_compacts_without_losing_order():
    queue = ParcelQueue(simpy.Environment())
    expected = []
    next_id = 0
    for step in range(300):
        batch = np.arange(next_id, next_id + 7)
        next_id += 7
        queue.push(batch, np.full(7, float(step)))
        expected += batch.tolist()
        taken = queue.take(float(step), 5)
        assert taken.tolist() == expected[:5]
        expected = expected[5:]
    assert queue.ids.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    ready=st.lists(st.floats(0, 50, allow_nan=False), max_size=60),
    takes=st.lists(st.tuples(st.floats(0, 60, allow_nan=False), st.integers(0, 10)),
                   max_size=12),
)
def test_drawn_arrivals_take_what_a_parcel_queue_takes(ready, takes):
    """The bisect on a list finds what numpy's search does, ties and limits included."""
    ready = np.sort(np.array(ready, dtype=np.float64))
    ids = np.arange(len(ready))
    drawn = DrawnArrivals(ids, ready)
    queue = ParcelQueue(simpy.Environment(), ids, ready)
    for t, limit in sorted(takes):
        assert drawn.take(t, limit).tolist() == queue.take(t, limit).tolist()
        assert len(drawn) == len(queue)
