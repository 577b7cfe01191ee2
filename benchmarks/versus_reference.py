"""Engine against the parcel-per-process reference model, side by side in one process.

Both simulate the same scenario from the same parcels and routes; the ratio of their median
wall times is what batching parcels buys. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the reference model lives with the tests

from sim.engine.model import Simulation  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from tests.reference.model import run_reference  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", nargs="?", default=str(ROOT / "configs" / "tutorial.yaml"))
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(args.config, args.set)
    engine, reference = [], []
    for _ in range(args.reps):
        start = time.perf_counter()
        simulation = Simulation(scenario)
        simulation.run()
        engine.append(time.perf_counter() - start)
        inputs = Simulation(scenario)
        start = time.perf_counter()
        run_reference(scenario, inputs.parcels, inputs.network)
        reference.append(time.perf_counter() - start)
    print(json.dumps({
        "parcels": len(inputs.parcels),
        "engine_s": statistics.median(engine),
        "reference_s": statistics.median(reference),
        "ratio": statistics.median(reference) / statistics.median(engine),
    }))


if __name__ == "__main__":
    main()
