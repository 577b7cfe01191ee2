"""Benchmarks: median wall time and peak memory of whole runs, each in a fresh process.

    python benchmarks/run.py            # every case, 3 repetitions
    python benchmarks/run.py --reps 5 --case kaifeng-30d

Writes benchmarks/results/latest.json and latest.md. Timings are wall-clock on whatever
machine runs it; compare cases from the same session, not across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: benchmarks/ is not an installed package

from benchmarks.machine import machine, machine_markdown  # noqa: E402

CASES = {
    "kaifeng-30d": {
        "what": "configs/kaifeng.yaml, 30 days, normal volume, every output file",
        "args": ["configs/kaifeng.yaml", "--set", "run.days=30"],
    },
    "kaifeng-30d-no-parcels": {
        "what": "the same without parcels.parquet (--no-parcels)",
        "args": ["configs/kaifeng.yaml", "--set", "run.days=30", "--no-parcels"],
    },
    "kaifeng-30d-parcels-only": {
        "what": "the same without its goods (hubs and products removed), no parcels.parquet",
        "args": ["configs/kaifeng.yaml", "--set", "run.days=30", "--no-parcels", "--set",
                 "hubs=[]", "--set", "products=[]"],
    },
    "kaifeng-30d-double-11": {
        "what": "the same at Double-11 volume all month (demand.multiplier=1.9), no parcels",
        "args": ["configs/kaifeng.yaml", "--set", "run.days=30", "--set",
                 "demand.multiplier=1.9", "--no-parcels"],
    },
    "rainstorm-21d": {
        "what": "configs/rainstorm_2021.yaml, 21 days and its undisrupted twin, no parcels",
        "args": ["configs/rainstorm_2021.yaml", "--no-parcels"],
    },
    "tutorial-7d": {
        "what": "configs/tutorial.yaml, 7 days, every output file",
        "args": ["configs/tutorial.yaml"],
    },
    "kaifeng-365d": {
        "what": "configs/kaifeng.yaml, 365 days with its calendar events, no parcels.parquet",
        "args": ["configs/kaifeng.yaml", "--set", "run.days=365", "--no-parcels"],
        "optional": True,  # minutes: run it with --case kaifeng-365d
    },
}
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_case(args: list[str]) -> dict:
    env = {**os.environ, **SINGLE_THREAD}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "case.py"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(name: str, reps: int) -> dict:
    runs = [run_case(CASES[name]["args"]) for _ in range(reps)]
    phases = {p: statistics.median(r["phases"][p] for r in runs) for p in runs[0]["phases"]}
    return {
        "case": name,
        "what": CASES[name]["what"],
        "reps": reps,
        "median_s": statistics.median(r["seconds"] for r in runs),
        "min_s": min(r["seconds"] for r in runs),
        "max_s": max(r["seconds"] for r in runs),
        "median_phases_s": phases,
        "parcels": runs[0]["parcels"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def markdown(rows: list[dict]) -> str:
    lines = [
        "| case | parcels | median s | min-max s | simulate s | peak memory MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['what']} | {row['parcels']:,} | {row['median_s']:.1f} | "
            f"{row['min_s']:.1f}-{row['max_s']:.1f} | {row['median_phases_s']['simulate']:.1f} "
            f"| {row['peak_rss_mb']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def targets(rows: list[dict], reference: dict | None) -> list[tuple[str, str, bool]]:
    """The performance targets (issue 7) that the measured cases speak to: each with what
    was measured and whether it is met."""
    case = {row["case"]: row for row in rows}
    found = []
    summary_only = case.get("kaifeng-30d-no-parcels")
    every_file = case.get("kaifeng-30d")
    if summary_only:
        found.append(("Kaifeng 30 days, load to summary written (--no-parcels): 5 s or less",
                      f"{summary_only['median_s']:.1f} s", summary_only["median_s"] <= 5.0))
    if every_file:
        found.append(("the same with parcels.parquet too: 5 s or less (not required)",
                      f"{every_file['median_s']:.1f} s", every_file["median_s"] <= 5.0))
    normal = [row for row in (summary_only, every_file) if row]
    if normal:
        peak = max(row["peak_rss_mb"] for row in normal)
        found.append(("peak memory at normal volume under 2 GB", f"{peak:,.0f} MB",
                      peak < 2048))
    double = case.get("kaifeng-30d-double-11")
    if double and summary_only:
        time_ratio = double["median_s"] / summary_only["median_s"]
        parcel_ratio = double["parcels"] / summary_only["parcels"]
        found.append(("Double 11: runtime grows no faster than parcels",
                      f"x{time_ratio:.2f} time for x{parcel_ratio:.2f} parcels",
                      time_ratio <= parcel_ratio))
    if reference:
        found.append(("configs/tutorial.yaml, 7 days: under 0.3 s of simulation",
                      f"{reference['engine_s']:.3f} s", reference["engine_s"] < 0.3))
        found.append(("at least 50 times faster than the parcel-per-process reference",
                      f"{reference['ratio']:.0f} times", reference["ratio"] >= 50))
    return found


def targets_markdown(found: list[tuple[str, str, bool]]) -> str:
    lines = ["| target | measured | met |", "|---|---:|---|"]
    lines += [f"| {what} | {measured} | {'yes' if met else 'no'} |"
              for what, measured, met in found]
    return "\n".join(lines) + "\n"


def versus_reference(reps: int) -> dict:
    """Engine and parcel-per-process reference on the tutorial week, in one process."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "versus_reference.py"),
                           "--reps", str(reps)], cwd=ROOT, env={**os.environ, **SINGLE_THREAD},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    rows = []
    for name in args.case or [c for c in CASES if not CASES[c].get("optional")]:
        row = measure(name, args.reps)
        rows.append(row)
        print(f"{name}: median {row['median_s']:.2f} s over {args.reps} runs, "
              f"peak {row['peak_rss_mb']:.0f} MB", flush=True)
    reference = None if args.case else versus_reference(args.reps)
    args.out.mkdir(parents=True, exist_ok=True)
    about = machine()
    found = targets(rows, reference)
    (args.out / "latest.json").write_text(json.dumps(
        {"machine": about, "cases": rows, "versus_reference": reference,
         "targets": [{"target": what, "measured": measured, "met": met}
                     for what, measured, met in found]}, indent=2) + "\n")
    text = machine_markdown(about) + "\n" + markdown(rows)
    if reference is not None:
        text += (f"\nParcel-per-process reference on the tutorial week ({reference['parcels']:,}"
                 f" parcels): {reference['reference_s']:.2f} s against the engine's "
                 f"{reference['engine_s']:.3f} s, {reference['ratio']:.0f} times faster.\n")
    if found:
        text += "\n" + targets_markdown(found)
    (args.out / "latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
