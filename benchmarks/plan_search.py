"""The Kaifeng plan search's evaluations, wall time and peak memory, on the local process
pool and on a Dask LocalCluster.

    python -m benchmarks.plan_search                      # local pool, 2 workers
    python -m benchmarks.plan_search --dask local         # the same search on Dask
    python -m benchmarks.plan_search --file configs/plans/tutorial.yaml [--method greedy]
    python -m benchmarks.plan_search --keep plan-kaifeng  # and keep the plan's folder

Each run is `sim plan` in a fresh process and a new folder (nothing resumed), timed from
outside; peak memory is the largest resident set among that process and the descendants it
waited for (the workers), from `resource.getrusage`. The plan, its cost and its evaluations
come from the folder's plan.json. Results are added to benchmarks/results/plan_search.json
(one record per plan file, executor and method) and written as plan_search.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.machine import machine, machine_markdown

RESULTS = Path(__file__).parent / "results"


def measure(plan_file: str, executor: list[str], keep: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        out = keep or Path(scratch) / "plan"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "plan", "--file", plan_file,
                        "--out", str(out), *executor], check=True)
        seconds = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return {"plan_file": plan_file, "executor": " ".join(executor), "wall_s": seconds,
            "search_s": plan["seconds"], "evaluations": plan["evaluations"],
            "candidates": plan["candidates"], "feasible": plan["feasible"],
            "baseline_cost_per_day": plan["baseline"]["cost_per_day"],
            "plan_cost_per_day": (plan["plan"] or {}).get("cost_per_day"),
            "overrides": (plan["plan"] or {}).get("overrides"),
            "frontier": [{"target": row["target"], "cost_per_day": row["cost_per_day"]}
                         for row in plan["frontier"]],
            "peak_rss_mb_largest_process": children}


def table(records: list[dict]) -> str:
    lines = ["| plan file | executor | evaluations | candidates | wall (s) | peak RSS (MB) "
             "| plan cost a day (CNY) |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in records:
        cost = r["plan_cost_per_day"]
        lines.append(f"| {r['plan_file']} | {r['executor']} | {r['evaluations']:,} | "
                     f"{r['candidates']} | {r['wall_s']:.0f} | "
                     f"{r['peak_rss_mb_largest_process']:.0f} | "
                     f"{'-' if cost is None else f'{cost:,.0f}'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="configs/plans/kaifeng.yaml")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", help="a scheduler address, or 'local' for a LocalCluster")
    parser.add_argument("--keep", type=Path, help="write the plan to this new folder (kept)")
    parser.add_argument("--method", choices=["exhaustive", "greedy"],
                        help="the plan file's otherwise")
    args = parser.parse_args()
    executor = ["--dask", args.dask] if args.dask else ["--workers", str(args.workers)]
    executor += ["--method", args.method] if args.method else []
    record = {**measure(args.file, executor, args.keep), "machine": machine(),
              "when": time.strftime("%Y-%m-%d %H:%M")}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "plan_search.json"
    kept = json.loads(path.read_text()) if path.exists() else []
    kept = [r for r in kept if (r["plan_file"], r["executor"]) !=
            (record["plan_file"], record["executor"])] + [record]
    path.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
    (RESULTS / "plan_search.md").write_text(
        "# Plan search\n\n`python -m benchmarks.plan_search [--dask local]`\n\n"
        + table(kept) + "\n\n" + machine_markdown(record["machine"]) + "\n")
    print(table([record]))


if __name__ == "__main__":
    main()
