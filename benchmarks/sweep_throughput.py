"""Sweep throughput (replications per second) on the tutorial, local pool and Dask.

    python -m benchmarks.sweep_throughput [--points 8] [--reps 3]

Each configuration runs the same sweep into a fresh folder, start-up included (a Dask
LocalCluster takes a few seconds to start). Writes benchmarks/results/sweep_throughput.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.machine import machine, machine_markdown
from sim import api
from sim.experiment.design import SweepFile, with_options

ROOT = Path(__file__).resolve().parents[1]


def throughput(points: int, reps: int, workers: int, dask: str | None) -> dict:
    values = ",".join(f"{0.8 + 0.05 * i:.2f}" for i in range(points))
    design = with_options(SweepFile(reps=reps), [f"demand.multiplier={values}"], [])
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        api.sweep(ROOT / "configs" / "tutorial.yaml", design, Path(folder), workers=workers,
                  dask=dask)
        seconds = time.perf_counter() - start
    return {"executor": "dask LocalCluster" if dask else "local pool", "workers": workers,
            "replications": points * reps, "seconds": seconds,
            "per_second": points * reps / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    rows = [throughput(args.points, args.reps, workers, dask)
            for dask in (None, "local") for workers in (1, 2)]
    lines = ["| executor | workers | replications | seconds | replications/s |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['executor']} | {r['workers']} | {r['replications']} | {r['seconds']:.1f}"
              f" | {r['per_second']:.2f} |" for r in rows]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    about = machine()
    (out / "sweep_throughput.json").write_text(
        json.dumps({"machine": about, "rows": rows}, indent=2) + "\n")
    text = machine_markdown(about) + "\n" + "\n".join(lines) + "\n"
    (out / "sweep_throughput.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
