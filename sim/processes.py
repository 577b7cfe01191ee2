"""Light processes: a generator of SimPy events, driven by those events' callbacks.

A vehicle trip is a generator that yields the events it waits on. Run as a `simpy.Process`
it costs a start-up event and a process object; run here it starts at once, where it is
created, and goes on from each event's callback: a third of a month's events fewer for
Kaifeng's village vans. A trip must not need a process's extras (a return value, being
interrupted, being waited on).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy


def start(trip: Generator[simpy.Event, object, None]) -> None:
    """Run `trip` up to the next event it waits on, and on from there when that fires."""
    event = next(trip, None)
    if event is not None:
        event.callbacks.append(lambda _: start(trip))
