"""One benchmark case in this process: load, simulate, then KPIs and files as `sim run` does
them (write_results works out the KPIs while parcels.parquet is written); print JSON timings.

Run by benchmarks/run.py in a fresh interpreter per repetition, so peak memory (max RSS) is
the case's own.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import tempfile
import time
from pathlib import Path

from sim.engine.model import Simulation
from sim.experiment.twin import without_disruptions
from sim.network import build_network
from sim.results import summarise, write_results
from sim.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--no-parcels", action="store_true", help="skip parcels.parquet")
    args = parser.parse_args()
    marks = [("start", time.perf_counter())]
    peaks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))
        peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    scenario = load_scenario(args.config, args.set)
    mark("load")
    network = build_network(scenario)
    mark("network")
    simulation = Simulation(scenario, network)
    mark("parcels")
    output = simulation.run()
    mark("simulate")
    twin = None
    if scenario.config.disruptions.any:  # sim run also runs the undisrupted twin
        twin = Simulation(without_disruptions(scenario), network).run()
        mark("twin")
    results = summarise(output, twin)
    with tempfile.TemporaryDirectory() as folder:
        write_results(results, Path(folder), parcels=not args.no_parcels)
    mark("results")
    summary = results.summary
    phases = {name: end - start for (_, start), (name, end) in itertools.pairwise(marks)}
    print(json.dumps({
        "seconds": marks[-1][1] - marks[0][1],
        "phases": phases,
        "parcels": summary["parcels"]["created"],
        "peak_rss_mb": peaks["results"],
        "peak_rss_mb_after": peaks,
    }))


if __name__ == "__main__":
    main()
