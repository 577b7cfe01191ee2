"""What a disruption cost, against the undisrupted twin (same scenario, same seed).

Demand is drawn before the run from streams the disruptions never touch, so both runs hold
the same parcels under the same ids, created at the same times: each parcel's delay is its
time in the network here minus its time in the twin. Parcels still inside at the end count
up to the end.

The network has recovered when, from some hour on, parcels inside stay within a tolerance of
the twin's (a share of its mean backlog) and each day's parcels are on time about as often
(within percentage points): the recovery hour is the first such, counted from the end of the
last disruption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engine.model import SimulationOutput
from sim.results.parcels import ParcelOutcomes

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Resilience:
    summary: dict  # the `resilience` block of summary.json
    hourly: pd.DataFrame  # hour, inside (here, twin), extra
    daily: pd.DataFrame  # creation day, on-time rate (here, twin)
    by_county: pd.DataFrame  # county, parcels delayed, extra parcel-hours, late because
    events: pd.DataFrame  # what was disrupted, when and where


def check_same_parcels(here: SimulationOutput, twin: SimulationOutput) -> None:
    """The twin drew the very same parcels (else the comparison means nothing)."""
    a, b = here.ledger, twin.ledger
    if len(a) != len(b) or not np.array_equal(a.times["created"], b.times["created"]) \
            or not np.array_equal(a.destination, b.destination):
        raise RuntimeError("the undisrupted twin drew other parcels: demand must not depend "
                           "on disruptions")


def time_inside(output: SimulationOutput) -> np.ndarray:
    """Each parcel's hours in the network, up to the end of the run if not through."""
    done = output.ledger.times["done"].astype(np.float64)
    return np.fmin(done, output.end_h) - output.ledger.times["created"]  # fmin: NaN -> end


def inside_by_hour(output: SimulationOutput) -> np.ndarray:
    """Parcels inside the network at each hour's end (created by then, not yet through)."""
    hours = int(np.ceil(output.end_h))
    created = output.ledger.times["created"]
    done = output.ledger.times["done"].astype(np.float64)
    came = np.bincount(np.minimum(created // 1, hours - 1).astype(np.int64), minlength=hours)
    through = done[done <= output.end_h]
    went = np.bincount(np.minimum(through // 1, hours - 1).astype(np.int64), minlength=hours)
    return np.cumsum(came) - np.cumsum(went)


def on_time_by_day(output: SimulationOutput, outcomes: ParcelOutcomes) -> np.ndarray:
    """Share of each demand day's parcels on time (NaN on a day without parcels)."""
    days = output.scenario.config.run.days
    day = (output.ledger.times["created"] // HOURS_PER_DAY).astype(np.int64)
    made = np.bincount(day, minlength=days)[:days]
    on_time = np.bincount(day, weights=outcomes.on_time, minlength=days)[:days]
    with np.errstate(invalid="ignore", divide="ignore"):
        return on_time / made


def resilience(here: SimulationOutput, here_outcomes: ParcelOutcomes, here_cost: float,
               twin: SimulationOutput, twin_outcomes: ParcelOutcomes, twin_cost: float,
               spoiled: tuple[float, float] = (0.0, 0.0)) -> Resilience:
    """The resilience KPIs of a disrupted run against its twin."""
    check_same_parcels(here, twin)
    config = here.scenario.config
    tolerance = config.disruptions.resilience
    plan = here.disruptions
    extra = time_inside(here) - time_inside(twin)
    late_because = twin_outcomes.on_time & ~here_outcomes.on_time
    inside, inside_twin = inside_by_hour(here), inside_by_hour(twin)
    demand_hours = int(config.run.days * HOURS_PER_DAY)
    mean_backlog = float(inside_twin[:demand_hours].mean()) if demand_hours else 0.0
    daily, daily_twin = on_time_by_day(here, here_outcomes), on_time_by_day(twin, twin_outcomes)
    first = min((e.start_h for e in plan.events), default=0.0)
    last = max((e.end_h for e in plan.events), default=0.0)
    recovered = _recovery_hour(inside - inside_twin, tolerance.backlog_tolerance * mean_backlog,
                               daily - daily_twin, tolerance.on_time_tolerance, last)
    peak_hour = int(np.argmax(inside - inside_twin))
    summary = {
        "events": len(plan.events),
        "first_start_h": first,
        "last_end_h": last,
        "extra_parcel_hours": float(extra.sum()),
        "parcels_delayed": int(np.count_nonzero(extra > 1e-6)),
        "late_because": int(np.count_nonzero(late_because)),
        "peak_extra_backlog": int((inside - inside_twin)[peak_hour]),
        "peak_extra_backlog_h": float(peak_hour + 1),
        "peak_backlog": int(inside.max(initial=0)),
        "recovered_h": recovered,
        "hours_to_recover": None if recovered is None else max(recovered - last, 0.0),
        "extra_cost": here_cost - twin_cost,
        "extra_spoiled_t": spoiled[0] - spoiled[1],
        "vehicles_in_service": _in_service(here),
        "twin": {
            "on_time_rate": float(twin_outcomes.on_time[twin_outcomes.measured].mean())
            if twin_outcomes.measured.any() else None,
            "cost": twin_cost,
        },
    }
    hours = np.arange(1, len(inside) + 1)
    hourly = pd.DataFrame({"hour": hours, "inside": inside, "inside_twin": inside_twin,
                           "extra": inside - inside_twin})
    daily_frame = pd.DataFrame({"day": np.arange(len(daily)), "on_time": daily,
                                "on_time_twin": daily_twin})
    return Resilience(summary, hourly, daily_frame,
                      _by_county(here_outcomes, extra, late_because), _events(here))


def _recovery_hour(extra_inside: np.ndarray, backlog_tolerance: float,
                   on_time_gap: np.ndarray, on_time_tolerance: float, last_end: float
                   ) -> float | None:
    """The first hour (at or after the last disruption's end) from which the backlog and
    every later day's on-time rate stay within tolerance of the twin's; None if never."""
    outside = np.abs(extra_inside) > max(backlog_tolerance, 0.5)
    outside[: int(np.floor(last_end))] = True  # not before the disruptions are over
    after = np.flatnonzero(outside)
    backlog_hour = 0.0 if not len(after) else float(after[-1] + 1)
    if backlog_hour >= len(extra_inside):
        return None
    bad_days = np.flatnonzero(np.abs(np.nan_to_num(on_time_gap)) > on_time_tolerance)
    day_hour = 0.0 if not len(bad_days) else float((bad_days[-1] + 1) * HOURS_PER_DAY)
    if len(bad_days) and bad_days[-1] + 1 >= len(on_time_gap):
        return None
    return max(backlog_hour, day_hour, last_end)


def _by_county(outcomes: ParcelOutcomes, extra: np.ndarray, late: np.ndarray) -> pd.DataFrame:
    names = outcomes.county_names
    known = outcomes.county >= 0
    county = outcomes.county[known].astype(np.int64)
    count = len(names)
    return pd.DataFrame({
        "county": names,
        "parcels_delayed": np.bincount(county, weights=extra[known] > 1e-6,
                                       minlength=count).astype(np.int64),
        "extra_parcel_hours": np.bincount(county, weights=extra[known], minlength=count),
        "late_because": np.bincount(county, weights=late[known], minlength=count
                                    ).astype(np.int64),
    }).sort_values("extra_parcel_hours", ascending=False, kind="stable", ignore_index=True)


def _events(output: SimulationOutput) -> pd.DataFrame:
    """One row per disruption: kind, name, start and end hours, places and roads hit."""
    tree = output.network.tree
    rows = []
    for event in output.disruptions.events:
        rows.append({
            "kind": event.kind, "name": event.name, "random": event.random,
            "start_h": event.start_h, "end_h": event.end_h, "severity": event.severity,
            "places": len(event.nodes), "roads": len(event.roads),
            "nodes": " ".join([*(str(tree.ids[n]) for n in event.nodes), *event.hubs]),
        })
    return pd.DataFrame(rows, columns=["kind", "name", "random", "start_h", "end_h",
                                       "severity", "places", "roads", "nodes"])


def _in_service(output: SimulationOutput) -> dict[str, float]:
    """Share of each fleet's vehicle-hours in service, for fleets with vehicles laid up."""
    shares = {}
    routes = output.network.routes
    for fleet in dict.fromkeys(r.fleet for r in routes):
        mine = [r.index for r in routes if r.fleet == fleet]
        out = float(output.vehicle_hours_out[mine].sum())
        if out > 0:
            total = sum(routes[i].vehicles for i in mine) * output.end_h
            shares[fleet] = 1.0 - out / total
    return shares
