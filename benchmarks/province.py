"""Henan's month split by city on a Dask LocalCluster: wall time, memory, scaling.

    python -m benchmarks.province [--workers 2 1] [--days 30] [--no-parcels]

Runs configs/henan.yaml in this process as `sim run --dask local --workers W` does (this
process is the driver: it loads the scenario, hands out the cities, merges and writes), and
records the parcels, the wall time, each city's time on its worker, each worker's peak
memory and the driver's. The scaling table is computed from the measured cities' times:
cities handed out largest first to the first free worker (what the executor does with the
queue of cities), so W workers finish when their busiest does, never before the largest
city (the critical path); the driver's own time (loading, merging, writing) is added as
measured. Each worker count asked for is measured too (the first gives the cities' times),
beside what is computed for it. Writes benchmarks/results/province.json and province.md.
"""

from __future__ import annotations

import argparse
import heapq
import json
import tempfile
import time
from pathlib import Path

from benchmarks.machine import machine, machine_markdown
from sim import api
from sim.experiment.split.partial import peak_memory
from sim.results.folders import RUN, claim

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCALING = (1, 2, 4, 8, 16)


def makespan(seconds: list[float], workers: int) -> float:
    """Cities handed out largest first, each to the worker free soonest: when the last
    worker is done."""
    free = [0.0] * workers
    for length in sorted(seconds, reverse=True):
        heapq.heappush(free, heapq.heappop(free) + length)
    return max(free)


def measure(workers: int, days: int, parcels: bool, out: Path) -> dict:
    start = time.perf_counter()
    scenario = api.read(ROOT / "configs" / "henan.yaml", [f"run.days={days}"])
    with claim(out, RUN, scenario.input_files) as folder:
        merged = api.run_by_city(scenario, folder, workers=workers, dask="local",
                                 parcels=parcels)
        api.write_by_city(merged, folder)
    wall = time.perf_counter() - start
    parts = merged.parts
    first = min(p.started for p in parts)
    last = max(p.started + p.seconds for p in parts)
    workers_peak: dict[int, int] = {}
    for part in parts:
        workers_peak[part.worker] = max(workers_peak.get(part.worker, 0), part.peak_bytes)
    return {
        "workers": workers,
        "days": days,
        "parcels_written": parcels,
        "parcels": merged.summary["parcels"]["created"],
        "cities": [{"city": p.name, "parcels": p.counts["created"], "seconds": p.seconds,
                    "worker_peak_gb": p.peak_bytes / 1e9} for p in parts],
        "wall_s": wall,
        "cities_span_s": last - first,
        "driver_s": wall - (last - first),
        "worker_peak_gb": sorted(v / 1e9 for v in workers_peak.values()),
        "driver_peak_gb": peak_memory() / 1e9,
        "on_time_rate": merged.summary["on_time_rate"],
        "p95_lead_h": merged.summary["lead_time_h"]["p95"],
    }


def scaling(result: dict, measured: dict[int, float]) -> list[dict]:
    """Wall time for each worker count, computed from `result`'s cities, and measured
    where a run of that many workers was made."""
    seconds = [c["seconds"] for c in result["cities"]]
    largest = max(result["cities"], key=lambda c: c["seconds"])
    rows = []
    for workers in sorted({*SCALING, *measured}):
        computed = makespan(seconds, workers) + result["driver_s"]
        rows.append({"workers": workers, "computed_wall_s": computed,
                     "critical_path": f"{largest['city']} {largest['seconds']:.0f} s",
                     "measured_wall_s": measured.get(workers)})
    return rows


def markdown(result: dict, rows: list[dict]) -> str:
    lines = [
        f"# Henan, {result['days']} days, split by city on a {result['workers']}-worker "
        "Dask LocalCluster", "",
        f"- parcels: {result['parcels']:,}" + (" (parcels/ dataset written)"
                                               if result["parcels_written"] else ""),
        f"- wall time: {result['wall_s']:.0f} s ({result['wall_s'] / 60:.1f} min); the "
        f"cities ran over {result['cities_span_s']:.0f} s, the driver's own work "
        f"(loading, handing out, merging, writing) took {result['driver_s']:.0f} s",
        f"- peak memory per worker: {', '.join(f'{g:.2f}' for g in result['worker_peak_gb'])}"
        " GB",
        f"- peak memory of the driver: {result['driver_peak_gb']:.2f} GB",
        f"- on time {result['on_time_rate']:.1%}, p95 lead time {result['p95_lead_h']:.1f} h",
        "", "| workers | wall time (s) | measured or computed |", "|---|---|---|",
    ]
    for row in rows:
        measured = row["measured_wall_s"]
        lines.append(f"| {row['workers']} | {row['computed_wall_s']:.0f} | computed"
                     + (f"; measured {measured:.0f}" if measured is not None else "")
                     + " |")
    lines += ["", f"Critical path: the largest city, {rows[0]['critical_path']}: no number "
              "of workers finishes sooner than it plus the driver's own time.", "",
              "| city | parcels | seconds | its worker's peak (GB) |", "|---|---|---|---|"]
    for city in sorted(result["cities"], key=lambda c: -c["seconds"]):
        lines.append(f"| {city['city']} | {city['parcels']:,} | {city['seconds']:.1f} | "
                     f"{city['worker_peak_gb']:.2f} |")
    return "\n".join(lines) + "\n\n" + machine_markdown(machine()) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-parcels", dest="parcels", action="store_false")
    args = parser.parse_args()
    runs = []
    for workers in args.workers:  # each in a folder of its own, removed after
        with tempfile.TemporaryDirectory(prefix="henan-") as scratch:
            runs.append(measure(workers, args.days, args.parcels, Path(scratch) / "run"))
    result = runs[0]
    rows = scaling(result, {run["workers"]: run["wall_s"] for run in runs})
    result["machine"] = machine()
    result["scaling"] = rows
    result["other_runs"] = runs[1:]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "province.json").write_text(json.dumps(result, indent=1, ensure_ascii=False)
                                           + "\n", encoding="utf-8")
    text = markdown(result, rows)
    (RESULTS / "province.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
