"""How runtime and memory grow with parcels and with villages (each point in a fresh process).

    python -m benchmarks.scaling [--days 10] [--reps 1]

Parcels: the default network at 1/4, 1/2, 1 and 2 times its demand. Villages: the default
demand per resident on networks with 1/4, 1/2, 1 and 2 times its villages (fewer villages
per township, or each village twinned with a neighbour 500 m away). Writes
benchmarks/results/scaling.json and scaling.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.machine import machine, machine_markdown
from benchmarks.run import ROOT, run_case
from sim.scenario.yamlio import dump_yaml, read_yaml

FACTORS = (0.25, 0.5, 1.0, 2.0)


def scaled_nodes(nodes: pd.DataFrame, factor: float) -> pd.DataFrame:
    """The node table with `factor` times the villages of each township."""
    points = nodes[nodes["kind"] == "point"]
    others = nodes[nodes["kind"] != "point"]
    if factor <= 1:
        township = points.groupby("parent", sort=False)["id"]
        keep = township.cumcount() < np.maximum(1, np.ceil(factor * township.transform("size")))
        return pd.concat([others, points[keep]])
    copies = [points]
    for copy in range(1, int(factor)):
        twin = points.copy()
        twin["id"] = twin["id"] + f"-{copy}"
        twin["lon"] = twin["lon"] + 0.005 * copy
        copies.append(twin)
    return pd.concat([others, *copies])


# The study is of the parcel engine: the scenario's goods (cold chain, freight) are removed.
PARCELS_ONLY = ["--set", "hubs=[]", "--set", "products=[]"]


def village_case(folder: Path, factor: float, days: int) -> list[str]:
    nodes = pd.read_csv(ROOT / "configs" / "kaifeng" / "nodes.csv", dtype=str,
                        keep_default_na=False)
    nodes["lon"] = nodes["lon"].astype(float)
    scaled = scaled_nodes(nodes, factor)
    scaled.to_csv(folder / f"nodes-{factor}.csv", index=False)
    raw = read_yaml(ROOT / "configs" / "kaifeng.yaml")
    raw["network"]["nodes"] = f"nodes-{factor}.csv"
    path = folder / f"kaifeng-{factor}.yaml"
    path.write_text(dump_yaml(raw), encoding="utf-8")
    return [str(path), "--set", f"run.days={days}", "--no-parcels", *PARCELS_ONLY]


def measure(args: list[str], reps: int) -> dict:
    runs = [run_case(args) for _ in range(reps)]
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "simulate_s": statistics.median(r["phases"]["simulate"] for r in runs),
            "parcels": runs[0]["parcels"],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()
    rows = []
    for factor in FACTORS:
        case = ["configs/kaifeng.yaml", "--set", f"run.days={args.days}", "--set",
                f"demand.multiplier={factor}", "--no-parcels", *PARCELS_ONLY]
        rows.append({"vary": "parcels", "factor": factor, **measure(case, args.reps)})
        print(rows[-1], flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for factor in FACTORS:
            case = village_case(Path(folder), factor, args.days)
            rows.append({"vary": "villages", "factor": factor, **measure(case, args.reps)})
            print(rows[-1], flush=True)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    about = machine()
    (out / "scaling.json").write_text(json.dumps({"machine": about, "rows": rows}, indent=2)
                                      + "\n")
    lines = ["| vary | x | parcels | wall s | simulate s | us per parcel | peak MB |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        per = 1e6 * row["seconds"] / max(row["parcels"], 1)
        lines.append(f"| {row['vary']} | {row['factor']:g} | {row['parcels']:,} | "
                     f"{row['seconds']:.1f} | {row['simulate_s']:.1f} | {per:.2f} | "
                     f"{row['peak_rss_mb']:,.0f} |")
    text = machine_markdown(about) + "\n" + "\n".join(lines) + "\n"
    (out / "scaling.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
