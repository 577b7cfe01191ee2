"""How hard each resource works: sorting lines, vehicle routes and fleets, village shelves.

Everything is derived from the ledger's stamps and the trip log after the run, so the engine
carries no monitors. The bottleneck table ranks every resource by whether its backlog grows
and by its utilisation, which answers "what breaks first?". A full village shelf shows as a
backlog at its station (the van passes its parcels over), so that backlog is the shelf's,
not the route's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.demand import DOWN
from sim.engine.model import SimulationOutput
from sim.network import GATEWAY, HUB, PARK, POINT, STATION
from sim.results.series import HourlyStamps, daily_growth, inside
from sim.scenario.models import NODE_KINDS

# A backlog growing faster than this share of daily throughput (or 5 parcels) per day is
# reported as unstable: it would keep growing with more days.
UNSTABLE_GROWTH_SHARE = 0.02
UNSTABLE_GROWTH_MIN = 5.0


@dataclass(frozen=True)
class Window:
    """The measured hours [start, end) and the whole run's hours."""

    start: int
    end: int
    hours: int

    @property
    def days(self) -> float:
        return (self.end - self.start) / 24.0


def measured_window(output: SimulationOutput) -> Window:
    run = output.scenario.config.run
    return Window(run.warmup_days * 24, run.days * 24, int(np.ceil(output.end_h)))


@dataclass(frozen=True)
class Inside:
    """How many parcels are inside a stage: hourly time averages and hour-end counts."""

    mean: np.ndarray  # (groups, hours)
    end: np.ndarray  # (groups, hours)

    @staticmethod
    def zeros(groups: int, hours: int) -> Inside:
        return Inside(np.zeros((groups, hours)), np.zeros((groups, hours), dtype=np.int64))

    def add(self, entered: HourlyStamps, left: HourlyStamps, rows: np.ndarray) -> None:
        """Add parcels binned by group, the groups being these rows."""
        mean, end = inside(entered, left)
        self.mean[rows] += mean
        self.end[rows] += end

    def add_parcels(self, enter: np.ndarray, leave: np.ndarray, rows: np.ndarray,
                    group: np.ndarray) -> None:
        """Add the parcels that entered (stamp not NaN) in a group (not negative): an index
        into `rows`."""
        stamps = HourlyStamps.of_parcels((enter, leave), group, len(rows), self.end.shape[1])
        self.add(*stamps, rows)


@dataclass(frozen=True)
class FacilityLoad:
    nodes: np.ndarray  # node indices of hub, parks and stations
    arrived: np.ndarray  # (facilities, hours) parcels arriving in each hour
    sorted: np.ndarray  # parcels finishing sorting in each hour
    sort_queue: Inside  # parcels waiting to be sorted
    backlog: Inside  # parcels in the facility: arrived, not yet left
    open_hours: np.ndarray  # shift hours inside each hour (0..1)


class PerParcel:
    """Node tables (or node x carrier tables) read at each parcel's destination (down) or
    origin (up): both tables side by side, for each carrier, so a read is one gather."""

    def __init__(self, output: SimulationOutput) -> None:
        ledger = output.ledger
        nodes = output.network.tree.size
        self.carriers = len(output.network.carriers)
        node = ledger.origin + nodes  # filled in place: one full-size array, not three
        np.copyto(node, ledger.destination, where=ledger.flow == DOWN)
        if self.carriers > 1:  # with one carrier the cell is the node
            node *= self.carriers
            node += ledger.parcels.carriers()
        self.cell = node  # int32: 2 x nodes x carriers is far below 2**31

    def read_groups(self, by_destination: np.ndarray,
                    by_origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Group tables (-1: none) read for each parcel as an index into the groups they
        name, returned too: hourly binning then spans only the groups that occur."""
        both = np.concatenate((by_destination, by_origin))
        named, index = np.unique(both, return_inverse=True)
        index = index.reshape(both.shape).astype(np.int32)
        if named[0] < 0:
            named, index = named[1:], index - 1
        if index.ndim == 1:  # the same for every carrier
            index = np.repeat(index, self.carriers)
        return named, index.ravel()[self.cell]


def facility_load(output: SimulationOutput, window: Window,
                  per_parcel: PerParcel) -> FacilityLoad:
    ledger, tree = output.ledger, output.network.tree
    nodes = np.flatnonzero((tree.level >= HUB) & (tree.level <= STATION))
    compact = np.full(tree.size + 1, -1, dtype=np.int32)  # index -1 (no ancestor) -> -1
    compact[nodes] = np.arange(len(nodes))
    shape = (len(nodes), window.hours)
    arrived, done_sorting = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    sort_queue, backlog = Inside.zeros(*shape), Inside.zeros(*shape)
    for level in (HUB, PARK, STATION):
        kind = NODE_KINDS[level]
        arr, done, left = (ledger.times[f"{kind}_{s}"] for s in ("arr", "sorted", "dep"))
        facility_of_node = compact[tree.ancestors[level]]
        rows, group = per_parcel.read_groups(facility_of_node, facility_of_node)
        entered, sorted_, departed = HourlyStamps.of_parcels((arr, done, left), group,
                                                             len(rows), window.hours)
        arrived[rows] += entered.count
        done_sorting[rows] += sorted_.count
        sort_queue.add(entered, sorted_, rows)
        backlog.add(entered, departed, rows)
    open_hours = np.zeros(shape)
    hour_starts = np.arange(window.hours, dtype=np.float64)
    for row, node in enumerate(nodes):
        clock = output.shift_clocks[int(node)]
        open_hours[row] = clock.to_open(hour_starts + 1.0) - clock.to_open(hour_starts)
    return FacilityLoad(nodes, arrived, done_sorting, sort_queue, backlog, open_hours)


def facility_hours_frame(output: SimulationOutput, load: FacilityLoad) -> pd.DataFrame:
    """Long table: one row per facility and hour."""
    tree = output.network.tree
    facilities, hours = load.arrived.shape
    capacity = output.sort_rate[load.nodes][:, None] * load.open_hours
    with np.errstate(divide="ignore", invalid="ignore"):
        busy = np.where(capacity > 0, np.minimum(load.sorted / capacity, 1.0), 0.0)
    node_ids = tree.ids[load.nodes].astype(str)
    return pd.DataFrame({
        "node": np.repeat(node_ids, hours),
        "kind": np.repeat([NODE_KINDS[level] for level in tree.level[load.nodes]], hours),
        "county": np.repeat(tree.county[load.nodes].astype(str), hours),
        "hour": np.tile(np.arange(hours), facilities),
        "arrived": load.arrived.ravel(),
        "sorted": load.sorted.ravel(),
        "sort_queue": load.sort_queue.mean.ravel(),
        "backlog": load.backlog.mean.ravel(),
        "backlog_end": load.backlog.end.ravel(),
        "busy_fraction": busy.ravel(),
    })


def route_backlog(output: SimulationOutput, window: Window, per_parcel: PerParcel) -> Inside:
    """Parcels waiting for each route: ready at its base or at its stops."""
    network, times = output.network, output.ledger.times
    waiting = Inside.zeros(len(network.routes), window.hours)
    for level in (GATEWAY, HUB, PARK, STATION, POINT):
        kind = NODE_KINDS[level]
        # at the gateway and at villages parcels are ready when made; elsewhere when sorted
        ready = times["created"] if level in (GATEWAY, POINT) else times[f"{kind}_sorted"]
        routes, group = per_parcel.read_groups(network.route_down_from(level),
                                               network.route_up_from(level))
        waiting.add_parcels(ready, times[f"{kind}_dep"], routes, group)
    return waiting


@dataclass(frozen=True)
class ShelfWaiting:
    """Parcels at a station waiting for a village route to take them to a point whose shelf
    was ever full, one row per (point, carrier) a route serves: a van passes over the
    parcels for a full shelf, and they wait here. Other points' parcels are never held
    back by their shelves, so they are not followed (an ordinary run follows none)."""

    shelf: np.ndarray  # each row's point, as its position in `tree.of_level(POINT)`
    route: np.ndarray  # each row's route
    waiting: Inside
    carried: np.ndarray  # parcels that left for the point in the measured window


def shelf_backlog(output: SimulationOutput, window: Window,
                  per_parcel: PerParcel) -> ShelfWaiting:
    """Parcels waiting at the stations for the points whose shelves were ever full: no
    pass over the parcels at all when none was."""
    network, times = output.network, output.ledger.times
    tree = network.tree
    points = tree.of_level(POINT)
    full = _full_shelves(output)
    shelf_of_node = np.full(tree.size, -1)
    shelf_of_node[points[full]] = np.flatnonzero(full)
    routes = network.route_down_from(STATION)  # (destination, carrier)
    followed = (shelf_of_node >= 0)[:, None] & (routes >= 0)
    if not followed.any():
        return ShelfWaiting(np.empty(0, np.intp), np.empty(0, np.intp),
                            Inside.zeros(0, window.hours), np.empty(0, np.int64))
    cell = np.arange(routes.size).reshape(routes.shape)
    cells, group = per_parcel.read_groups(np.where(followed, cell, -1),
                                          np.full(routes.shape, -1))
    entered, left = HourlyStamps.of_parcels((times["station_sorted"], times["station_dep"]),
                                            group, len(cells), window.hours)
    waiting = Inside.zeros(len(cells), window.hours)
    waiting.add(entered, left, np.arange(len(cells)))
    return ShelfWaiting(shelf_of_node[cells // routes.shape[1]], routes.ravel()[cells],
                        waiting, left.count[:, window.start : window.end].sum(axis=1))


ROUTE_COLUMNS = ["route", "fleet", "mode", "carrier", "base", "stops", "vehicles", "trips",
                 "vehicle_km", "dedicated_km", "co2_kg", "cost", "time_utilisation",
                 "load_factor", "carried"]


def route_use(output: SimulationOutput, window: Window) -> pd.DataFrame:
    """Per route: trips, km, busy share of vehicle time and load factor in the window."""
    network, trips = output.network, output.trips
    carriers = network.carriers
    in_window = trips[(trips["depart_h"] >= window.start) & (trips["depart_h"] < window.end)]
    busy = (np.minimum(trips["return_h"], window.end) - np.maximum(trips["depart_h"],
                                                                   window.start)).clip(lower=0)
    busy_by_route = busy.groupby(trips["route"]).sum()
    grouped = in_window.groupby("route")
    counts, peaks = grouped.size(), grouped["peak_load"].sum()
    down, up = grouped["down_parcels"].sum(), grouped["up_parcels"].sum()
    rows = []
    for route in network.routes:
        spec = route.spec
        count = counts.get(route.index, 0)
        peak = peaks.get(route.index, 0)
        carried = int(down.get(route.index, 0) + up.get(route.index, 0))
        km = float(count * route.loop_km)
        # a bus runs anyway: its km, CO2 and vehicle-days belong to its passengers
        dedicated = 0.0 if spec.shared_km else km
        days_cost = 0.0 if spec.shared_km else spec.cost_per_vehicle_day * route.vehicles \
            * window.days
        rows.append({
            "route": route.name,
            "fleet": route.fleet,
            "mode": route.mode,
            "carrier": "all" if route.carrier < 0 else carriers[route.carrier],
            "base": str(network.tree.ids[route.base]),
            "stops": len(route.stops),
            "vehicles": route.vehicles,
            "trips": int(count),
            "vehicle_km": km,
            "dedicated_km": dedicated,
            "co2_kg": dedicated * spec.co2_kg_per_km,
            "cost": spec.cost_per_km * dedicated + days_cost + spec.cost_per_parcel * carried,
            "time_utilisation": float(busy_by_route.get(route.index, 0.0)
                                      / (route.vehicles * window.days * 24.0)),
            "load_factor": float(peak / (count * spec.capacity)) if count else 0.0,
            "carried": carried,
        })
    return pd.DataFrame(rows, columns=ROUTE_COLUMNS)


def _unstable(growth: np.ndarray, throughput_per_day: np.ndarray) -> np.ndarray:
    return growth > np.maximum(UNSTABLE_GROWTH_SHARE * throughput_per_day, UNSTABLE_GROWTH_MIN)


def bottleneck_table(output: SimulationOutput, window: Window, load: FacilityLoad,
                     routes: pd.DataFrame, waiting: Inside, held: ShelfWaiting) -> pd.DataFrame:
    """Every resource, most pressed first: unstable backlogs, then by utilisation.

    Parcels at a station for a shelf that filled up are that shelf's backlog, not their
    route's: the vans passed them over for want of room on the shelf, not in the van."""
    tree = output.network.tree
    frames = []
    span = slice(window.start, window.end)
    open_in_window = load.open_hours[:, span].sum(axis=1)
    sorted_in_window = load.sorted[:, span].sum(axis=1)
    rates = output.sort_rate[load.nodes]
    utilisation = np.where(open_in_window > 0, sorted_in_window / (rates * open_in_window), 0.0)
    growth = daily_growth(load.sort_queue.mean, window.start, window.end)
    throughput = sorted_in_window / window.days
    frames.append(pd.DataFrame({
        "resource": [f"sorting:{node}" for node in tree.ids[load.nodes]],
        "kind": "sorting line",
        "tier": [NODE_KINDS[level] for level in tree.level[load.nodes]],
        "county": tree.county[load.nodes].astype(str),
        "utilisation": utilisation,
        "throughput_per_day": throughput,
        "peak_backlog": load.sort_queue.end[:, span].max(axis=1, initial=0),
        "end_backlog": load.sort_queue.end[:, -1],
        "backlog_growth_per_day": growth,
        "unstable": _unstable(growth, throughput),
    }))
    held_back = _sum_rows(held.waiting.mean, held.route, len(routes))
    route_growth = daily_growth(waiting.mean - held_back, window.start, window.end)
    route_throughput = routes["carried"].to_numpy() / window.days
    bases = [output.network.routes[i].base for i in range(len(routes))]
    frames.append(pd.DataFrame({
        "resource": "route:" + routes["route"],
        "kind": "vehicle route",
        "tier": routes["fleet"],
        "county": tree.county[bases].astype(str),
        "utilisation": np.maximum(routes["time_utilisation"], routes["load_factor"]),
        "throughput_per_day": route_throughput,
        "peak_backlog": waiting.end[:, span].max(axis=1, initial=0),
        "end_backlog": waiting.end[:, -1],
        "backlog_growth_per_day": route_growth,
        "unstable": _unstable(route_growth, route_throughput),
    }))
    frames.append(_shelf_frame(output, window, held))
    return ranked(pd.concat(frames, ignore_index=True))


def ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Resources most pressed first (unstable, then by utilisation and backlog growth),
    numbered: one run's, or several cities' together."""
    table = table.sort_values(
        ["unstable", "utilisation", "backlog_growth_per_day"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _shelf_frame(output: SimulationOutput, window: Window, held: ShelfWaiting) -> pd.DataFrame:
    """Village shelves: peak over slots; for a shelf that was ever full, the parcels waiting
    at its station for it (blank for the others), unstable if they pile up."""
    tree = output.network.tree
    points = tree.of_level(POINT)
    slots = output.shelf_slots[points]
    peak = output.shelf_peak[points]
    full = _full_shelves(output)
    blank = np.where(full, 0.0, np.nan)
    growth = daily_growth(_sum_rows(held.waiting.mean, held.shelf, len(points)),
                          window.start, window.end) + blank
    throughput = np.bincount(held.shelf, held.carried, len(points)) / window.days + blank
    end = _sum_rows(held.waiting.end[:, -1:], held.shelf, len(points))[:, 0] + blank
    return pd.DataFrame({
        "resource": [f"shelf:{node}" for node in tree.ids[points]],
        "kind": "village shelf",
        "tier": "point",
        "county": tree.county[points].astype(str),
        "utilisation": np.where(slots > 0, peak / np.maximum(slots, 1), 1.0),
        "throughput_per_day": throughput,
        "peak_backlog": peak,
        "end_backlog": end,
        "backlog_growth_per_day": growth,
        "unstable": full & _unstable(growth, throughput),
    })


def _full_shelves(output: SimulationOutput) -> np.ndarray:
    """Whether each village point's shelf was ever full (in `tree.of_level(POINT)` order)."""
    points = output.network.tree.of_level(POINT)
    return output.shelf_peak[points] >= output.shelf_slots[points]


def _sum_rows(values: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    """`values` (rows, hours) added up into `count` rows by `rows`."""
    total = np.zeros((count, values.shape[1]), dtype=values.dtype)
    np.add.at(total, rows, values)
    return total


def fleet_summary(routes: pd.DataFrame, by: str = "fleet") -> dict:
    """Per fleet (or mode, or carrier): vehicles, trips, km, CO2, cost, vehicle-time
    utilisation, load factor. Vehicle-km counts only vehicles run for the parcels."""
    summary = {}
    for name in dict.fromkeys(routes[by]):
        rows = routes[routes[by] == name]
        vehicles = int(rows["vehicles"].sum())
        trips = int(rows["trips"].sum())
        busy = float((rows["time_utilisation"] * rows["vehicles"]).sum() / vehicles)
        load = float((rows["load_factor"] * rows["trips"]).sum() / trips) if trips else 0.0
        summary[str(name)] = {
            "vehicles": vehicles,
            "routes": len(rows),
            "trips": trips,
            "vehicle_km": float(rows["dedicated_km"].sum()),
            "co2_kg": float(rows["co2_kg"].sum()),
            "cost": float(rows["cost"].sum()),
            "carried": int(rows["carried"].sum()),
            "utilisation": busy,
            "load_factor": load,
        }
    return summary

