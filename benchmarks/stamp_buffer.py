"""Buffered stamps against stamps written batch by batch, in paired runs in one process.

    python -m benchmarks.stamp_buffer [--days 30] [--pairs 8]

Each pair simulates the same month twice, once with the ledger's stamp buffers and once
without (every stamp written to its column at once), in alternating order, so that the
machine's drift falls on both alike. Prints the medians and each pair's ratio; the gain is
a few percent, below the spread of runs in separate processes on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import gc
import statistics
import time
from unittest import mock

from benchmarks.machine import machine, machine_markdown
from benchmarks.run import ROOT
from sim.engine import model
from sim.engine.ledger import STAMP_BUFFER, Ledger
from sim.network import build_network
from sim.scenario import load_scenario


def simulate_seconds(scenario, network, stamp_buffer: int) -> float:
    """Wall time of one run of the simulation (parcels already drawn)."""
    with mock.patch.object(model, "Ledger", functools.partial(Ledger, stamp_buffer=stamp_buffer)):
        simulation = model.Simulation(scenario, network)
    start = time.perf_counter()
    simulation.run()
    seconds = time.perf_counter() - start
    del simulation
    gc.collect()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "configs" / "kaifeng.yaml", [f"run.days={args.days}"])
    network = build_network(scenario)
    direct, buffered = [], []
    for pair in range(args.pairs):
        order = (0, STAMP_BUFFER) if pair % 2 == 0 else (STAMP_BUFFER, 0)
        seconds = {size: simulate_seconds(scenario, network, size) for size in order}
        direct.append(seconds[0])
        buffered.append(seconds[STAMP_BUFFER])
        print(f"pair {pair + 1}: direct {seconds[0]:.2f} s, buffered "
              f"{seconds[STAMP_BUFFER]:.2f} s", flush=True)
    ratios = [b / d for d, b in zip(direct, buffered, strict=True)]
    print(machine_markdown(machine()), end="")
    print(f"Kaifeng {args.days} days, simulation only, {args.pairs} pairs: buffered "
          f"{statistics.median(buffered):.2f} s against {statistics.median(direct):.2f} s "
          f"(medians); buffered faster in {sum(r < 1 for r in ratios)} pairs of "
          f"{args.pairs}; median ratio {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
