"""The network's hand-written vehicle loops against a vehicle-routing solver, PyVRP.

    pip install -e ".[routing]"                           # PyVRP; 0.14.1 measured here
    python benchmarks/routing.py                          # both fleets, 1 s a base and plan
    python benchmarks/routing.py --fleet village --seconds 5 --reps 5

Why: the loops (sim/network/routes.py) are a sector sweep balanced by residents, a greedy
tour and 2-opt: fast, deterministic, no dependency, and never checked against a real solver.
This prices them: for every base of the fleet on configs/kaifeng.yaml it gives PyVRP the
same problem and compares the vehicle-km a day that each plan puts on the road.

The problem of one base, one round (both plans run the same loops every round):
- the depot is the base; the clients are the stops of its loops, each delivering its daily
  down parcels and collecting its up parcels (residents served x the per-resident rates, as
  `analytic_capacity` counts them), divided by the fleet's departures a day;
- the base's vehicles, each of the fleet's capacity (deliveries and pickups share it);
- road metres and seconds of the fastest road paths, the ones the network's loops drive,
  at the fleet's top speed on each road class;
- a vehicle leaves its cut-off after loading (`load_h` + `load_s_per_parcel` x a full load,
  as the capacity table counts it), dwells `stop_h` + `stop_s_per_parcel` x parcels handled
  at each stop, and is back before the fleet's next cut-off;
- time windows: each stop's closing time (its opening hours) after the day's tightest
  cut-off is its latest arrival. No earliest arrival: a van drops parcels at a closed stop
  and the simulator never makes it wait;
- PyVRP minimises road metres only (no cost per vehicle or hour), with a fixed seed and a
  fixed time limit per base. With no cost per vehicle it uses fewer, longer loops than the
  network's (which spread the stops over every vehicle): so it solves a second time with no
  loop back later than the base's longest current loop, the fairer comparison.

The current loops are evaluated as routes of the very same PyVRP problem, so both plans'
km, hours and broken constraints come from one evaluator.

Then the service: the whole scenario is simulated with today's loops and with PyVRP's capped
loops for the fleet (`sim.network.with_loops`, at the bases where PyVRP's plan breaks no
limit; each base keeps its vans), `--reps` replications each on the same seeds, and the
village and town lead times and the fleet's simulated vehicle-km a day are compared with
paired 95% intervals. Writes benchmarks/results/routing.json and routing.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
from pyvrp import Model, ProblemData, solve
from pyvrp import Route as Plan
from pyvrp.stop import MaxRuntime

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: benchmarks/ is not an installed package

from benchmarks.machine import machine, machine_markdown  # noqa: E402
from sim.api import load, run  # noqa: E402
from sim.clock import normalise_windows  # noqa: E402
from sim.experiment.kpis import flatten, interval  # noqa: E402
from sim.network import STATION, Network, Route, build_network, with_loops  # noqa: E402
from sim.scenario import LoadedScenario, with_replication  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SCENARIO = "configs/kaifeng.yaml"
FLEETS = ("village", "township")
SEED = 1
EQUAL_KM = 0.1  # a base's two plans within this many km a round count as equal


def latest_arrival_s(windows: list[tuple[float, float]], cutoffs: list[float]) -> int | None:
    """Seconds from the tightest cut-off to the stop's next closing; None if always open."""
    spans = normalise_windows(windows)
    if sum(end - start for start, end in spans) >= 24.0:
        return None
    slack = [next((end for _, end in spans if end > cut), spans[0][1] + 24.0) - cut
             for cut in cutoffs]
    return round(min(slack) * 3600)


def shift_s(cutoffs: list[float]) -> int:
    """Seconds from a cut-off to the next one, the shortest such gap of the day."""
    times = sorted(cutoffs)
    return round(min(np.diff([*times, times[0] + 24.0])) * 3600)


def problem(scenario: LoadedScenario, network: Network, loops: list[Route]
            ) -> tuple[ProblemData, np.ndarray]:
    """The base's PyVRP problem, and its stops in client order."""
    config, tree, roads = scenario.config, network.tree, network.roads
    spec, base = loops[0].spec, loops[0].base
    stops = np.sort(np.concatenate([loop.stops for loop in loops]))
    sources = np.concatenate(([base], stops))
    _, predecessors = roads.shortest_among(sources)
    model = Model()
    places = [model.add_location(x=float(tree.lon[n]), y=float(tree.lat[n])) for n in sources]
    model.add_depot(places[0], name=str(tree.ids[base]))
    rounds = len(spec.departures)
    served = tree.subtree_population()[stops]
    down = np.rint(served * config.demand.down_per_resident_day / rounds).astype(int)
    up = np.rint(served * config.demand.up_per_resident_day / rounds).astype(int)
    facility = config.facilities.station if tree.level[stops[0]] == STATION \
        else config.facilities.point
    own_hours = scenario.nodes["opening_hours"].to_numpy()
    for place, node, give, take in zip(places[1:], stops, down, up, strict=True):
        hours = own_hours[node] if own_hours[node] is not None else facility.opening_hours
        latest = latest_arrival_s(hours, spec.departures)
        model.add_client(place, delivery=int(give), pickup=int(take),
                         service_duration=round(3600 * spec.stop_h
                                                + spec.stop_s_per_parcel * (give + take)),
                         **({} if latest is None else {"tw_late": latest}),
                         name=str(tree.ids[node]))
    loading = round(3600 * spec.load_h + spec.load_s_per_parcel * spec.capacity)
    model.add_vehicle_type(num_available=sum(loop.vehicles for loop in loops),
                           capacity=int(spec.capacity), tw_early=loading, start_late=loading,
                           tw_late=shift_s(spec.departures))
    for row, origin in enumerate(sources):
        for column, destination in enumerate(sources):
            if row != column:
                leg = roads.leg(predecessors[row], int(origin), int(destination))
                model.add_edge(places[row], places[column], distance=round(leg.km * 1000),
                               duration=round(3600 * leg.hours(roads.class_speed,
                                                               spec.speed_kmh)))
    return model.data(), stops


def summary(plans: list[Plan], ids: np.ndarray) -> dict:
    """Km and hours of one round of a base's plan, and the constraints it breaks."""
    return {"km": sum(plan.distance() for plan in plans) / 1000,
            "vehicles": len(plans),
            "longest_h": max(plan.end_time() for plan in plans) / 3600,
            "late_h": sum(plan.time_warp() for plan in plans) / 3600,
            "over_capacity": int(sum(sum(plan.excess_load()) for plan in plans)),
            "loops": [" ".join(str(ids[stop.idx]) for stop in plan if stop.is_client())
                      for plan in plans]}  # each loop's stops in visiting order


def compare_base(scenario: LoadedScenario, network: Network, loops: list[Route],
                 seconds: float) -> dict:
    """The base's current loops, PyVRP's plan, and PyVRP's with no loop longer than theirs."""
    data, stops = problem(scenario, network, loops)
    client = {int(node): index for index, node in enumerate(stops)}
    ids = network.tree.ids[stops]
    now = [Plan(data, [client[int(s)] for s in loop.stops], 0) for loop in loops]
    longest = max(plan.end_time() for plan in now)
    capped = data.replace(vehicle_types=[data.vehicle_type(0).replace(tw_late=longest)])
    record = {"base": str(network.tree.ids[loops[0].base]), "stops": len(stops),
              "vehicles": sum(loop.vehicles for loop in loops),
              "network_km": sum(loop.loop_km for loop in loops),  # the loops' own km
              "current": summary(now, ids)}
    for name, problem_data in (("pyvrp", data), ("pyvrp_same_hours", capped)):
        result = solve(problem_data, stop=MaxRuntime(seconds), seed=SEED,
                       collect_stats=False, display=False)
        record[name] = {**summary(result.best.routes(), ids),
                        "feasible": result.is_feasible(), "solver_s": result.runtime,
                        "iterations": result.num_iterations}
    return record


def compare_fleet(scenario: LoadedScenario, network: Network, fleet: str,
                  seconds: float) -> dict:
    started = time.perf_counter()
    by_base: dict[int, list[Route]] = {}
    for route in network.routes:
        if route.fleet == fleet and route.mode == "joint":
            by_base.setdefault(route.base, []).append(route)
    bases = [compare_base(scenario, network, loops, seconds) for loops in by_base.values()]
    rounds = len(next(iter(by_base.values()))[0].spec.departures)
    current = sum(b["current"]["km"] for b in bases) * rounds
    totals = {"fleet": fleet, "bases": len(bases), "departures_per_day": rounds,
              "vehicles_available": sum(b["vehicles"] for b in bases),
              "current": {"vkm_day": current,
                          "vehicles": sum(b["current"]["vehicles"] for b in bases),
                          "longest_h": max(b["current"]["longest_h"] for b in bases),
                          "breaking": sum(b["current"]["late_h"] > 0
                                          or b["current"]["over_capacity"] > 0
                                          for b in bases)},
              "network_km_gap": max(abs(b["network_km"] - b["current"]["km"]) for b in bases)}
    for name in ("pyvrp", "pyvrp_same_hours"):
        found = sum(b[name]["km"] for b in bases) * rounds
        change = [b[name]["km"] - b["current"]["km"] for b in bases]
        totals[name] = {
            "vkm_day": found, "saved_share": 1 - found / current,
            "improved": sum(c < -EQUAL_KM for c in change),
            "equal": sum(abs(c) <= EQUAL_KM for c in change),
            "worse": sum(c > EQUAL_KM for c in change),
            "vehicles": sum(b[name]["vehicles"] for b in bases),
            "longest_h": max(b[name]["longest_h"] for b in bases),
            "breaking": sum(not b[name]["feasible"] for b in bases),
            "solver_s": sum(b[name]["solver_s"] for b in bases)}
    totals["wall_s"] = time.perf_counter() - started
    totals["per_base"] = bases
    return totals


PLANS = {"pyvrp": "PyVRP", "pyvrp_same_hours": "PyVRP, loops no longer than today's"}
SERVICE = {"village p95 (h)": "by_tier.point.lead_time_h.p95",
           "village on time": "by_tier.point.on_time_rate",
           "town p95 (h)": "by_tier.station.lead_time_h.p95"}


def simulated(scenario: LoadedScenario, network: Network, fleet: dict, reps: int) -> dict:
    """The whole network run with today's loops and with PyVRP's capped loops (at the bases
    where they break no limit) for this fleet, on the same replications: the service and
    the fleet's vehicle-km a day, and the paired differences with 95% intervals."""
    index = {str(node): i for i, node in enumerate(network.tree.ids)}
    loops = {index[b["base"]]: [np.array([index[s] for s in loop.split()])
                                for loop in b["pyvrp_same_hours"]["loops"]]
             for b in fleet["per_base"] if b["pyvrp_same_hours"]["feasible"]}
    networks = {"current": network, "pyvrp_same_hours": with_loops(network, fleet["fleet"],
                                                                   loops)}
    days = scenario.config.run.days - scenario.config.run.warmup_days
    kpis: dict[str, dict[str, list[float]]] = {name: {} for name in networks}
    for rep in range(reps):
        for name, drawn in networks.items():
            summary = flatten(run(with_replication(scenario, rep), network=drawn).summary)
            measured = {**{label: summary[key] for label, key in SERVICE.items()},
                        "vehicle-km a day": summary[f"fleets.{fleet['fleet']}.vehicle_km"]
                        / days}
            for label, value in measured.items():
                kpis[name].setdefault(label, []).append(value)
    found = {"reps": reps, "bases_replanned": len(loops)}
    for label in kpis["current"]:
        now, new = kpis["current"][label], kpis["pyvrp_same_hours"][label]
        found[label] = {"current": interval(now), "pyvrp_same_hours": interval(new),
                        "difference": interval([b - a for a, b in zip(now, new, strict=True)])}
    return found


def markdown(result: dict) -> str:
    lines = ["# Hand-written loops against PyVRP\n", machine_markdown(result["machine"]),
             f"{result['scenario']}; PyVRP {result['pyvrp']}, {result['seconds']:g} s per "
             f"base and plan, seed {SEED}. Vehicle-km a day = km of one round of every loop x "
             "the fleet's departures a day, summed over bases. Equal: within "
             f"{EQUAL_KM} km a round. Breaking limits: a stop reached after it closes, a van "
             "back after the next cut-off (or, capped, after the base's longest current "
             "loop), or a load over capacity. The problem solved is in the docstring of "
             "benchmarks/routing.py.\n",
             "| fleet | plan | vehicle-km a day | saved | bases improved / equal / worse | "
             "vehicles used (of) | longest loop h | bases breaking limits | solver s |",
             "|---|---|---:|---:|---|---|---:|---:|---:|"]
    for f in result["fleets"]:
        now = f["current"]
        lines.append(f"| {f['fleet']} | current loops | {now['vkm_day']:,.0f} | | | "
                     f"{now['vehicles']} ({f['vehicles_available']}) | "
                     f"{now['longest_h']:.2f} | {now['breaking']} | |")
        for name, label in PLANS.items():
            new = f[name]
            lines.append(
                f"| {f['fleet']} | {label} | {new['vkm_day']:,.0f} | {new['saved_share']:.1%} "
                f"| {new['improved']} / {new['equal']} / {new['worse']} | {new['vehicles']} "
                f"({f['vehicles_available']}) | {new['longest_h']:.2f} | {new['breaking']} | "
                f"{new['solver_s']:.0f} |")
    simulated_fleets = [f for f in result["fleets"] if "simulated" in f]
    if simulated_fleets:
        lines += ["\nSimulated: the whole scenario run with today's loops and with PyVRP's "
                  "capped loops (where they break no limit) for one fleet, on the same "
                  "replications (common random numbers); mean and 95% interval, and the "
                  "paired difference.\n",
                  "| fleet | measure | current loops | PyVRP, capped | difference |",
                  "|---|---|---|---|---|"]
        for f in simulated_fleets:
            sim = f["simulated"]
            for label in (*SERVICE, "vehicle-km a day"):
                cells = [_said(label, sim[label][name])
                         for name in ("current", "pyvrp_same_hours", "difference")]
                lines.append(f"| {f['fleet']} ({sim['bases_replanned']} bases replanned, "
                             f"{sim['reps']} reps) | {label} | " + " | ".join(cells) + " |")
    lines.append("\nWall time of each fleet (road matrices, evaluation, both solves): "
                 + ", ".join(f"{f['fleet']} {f['wall_s']:.0f} s" for f in result["fleets"])
                 + f"; in all {result['wall_s']:.0f} s.\n")
    for f in result["fleets"]:
        lines += [f"## {f['fleet']} fleet, per base (one round)\n",
                  "| base | stops | vehicles | km current / PyVRP / capped | loops current / "
                  "PyVRP / capped | longest h current / PyVRP / capped |",
                  "|---|---:|---:|---|---|---|"]
        for b in f["per_base"]:
            plans = [b["current"], b["pyvrp"], b["pyvrp_same_hours"]]
            lines.append(f"| {b['base']} | {b['stops']} | {b['vehicles']} | "
                         + " / ".join(f"{p['km']:.1f}" for p in plans) + " | "
                         + " / ".join(str(p["vehicles"]) for p in plans) + " | "
                         + " / ".join(f"{p['longest_h']:.2f}" for p in plans) + " |")
        rounds = f["departures_per_day"]
        plans = [f["current"], f["pyvrp"], f["pyvrp_same_hours"]]
        lines.append(f"| **total** | {sum(b['stops'] for b in f['per_base'])} | "
                     f"{f['vehicles_available']} | "
                     + " / ".join(f"{p['vkm_day'] / rounds:,.1f}" for p in plans) + " | "
                     + " / ".join(str(p["vehicles"]) for p in plans) + " | "
                     + " / ".join(f"{p['longest_h']:.2f}" for p in plans) + " |\n")
    return "\n".join(lines)


def _said(label: str, values: list[float]) -> str:
    mean, low, high = values
    if "on time" in label:
        return f"{mean:.2%} ({low:.2%} to {high:.2%})"
    digits = 0 if "km" in label else 2
    return f"{mean:,.{digits}f} ({low:,.{digits}f} to {high:,.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", choices=[*FLEETS, "both"], default="both")
    parser.add_argument("--seconds", type=float, default=1.0, help="PyVRP time per base")
    parser.add_argument("--reps", type=int, default=3,
                        help="replications of the simulated comparison (0: none)")
    args = parser.parse_args()
    started = time.perf_counter()
    scenario = load(ROOT / SCENARIO)
    network = build_network(scenario)
    fleets = FLEETS if args.fleet == "both" else (args.fleet,)
    result = {"machine": machine(), "scenario": SCENARIO, "pyvrp": version("pyvrp"),
              "seconds": args.seconds, "seed": SEED,
              "fleets": [compare_fleet(scenario, network, f, args.seconds) for f in fleets]}
    for fleet in result["fleets"] if args.reps else []:
        fleet["simulated"] = simulated(scenario, network, fleet, args.reps)
    result["wall_s"] = time.perf_counter() - started
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "routing.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    text = markdown(result)
    (RESULTS / "routing.md").write_text(text)
    print(text.split("\n## ")[0])


if __name__ == "__main__":
    main()
