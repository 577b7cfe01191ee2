"""How fast and how small hostile or careless input is refused: `sim validate` on each case in
a fresh process, wall time and peak memory (median of several runs).

    python -m benchmarks.hostile_inputs [--runs 5]

The cases are the ones a scenario's reader must refuse before spending memory: a kilobyte
of YAML whose aliases expand to 387 million values, 50 MB of YAML keys, one station with
20,000 villages, a node table of a million rows, YAML nested 600 deep, ten years of every
van breaking down every hour (millions of random disruptions); and a valid small
scenario for the floor every command pays (starting Python and importing the libraries).
The target: each refused within 5 s and 500 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.machine import machine, machine_markdown

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "configs" / "tutorial.yaml"
RESULTS = ROOT / "benchmarks" / "results"
MB = 1 << 20

# a kilobyte of YAML whose aliases expand to 9^9 (387 million) values
ALIAS_BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["name: *a8"]) + "\n"


def alias_bomb(folder: Path) -> Path:
    path = folder / "bomb.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    return path


def many_keys(folder: Path, size: int = 50 * MB) -> Path:
    path = folder / "big.yaml"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(size // 21):  # 21 bytes a line
            handle.write(f"key{i:012d}: {i % 1000:03d}\n")
    return path


def deep(folder: Path, depth: int = 600) -> Path:
    path = folder / "deep.yaml"
    path.write_text("name: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


def with_nodes(folder: Path, rows: list[str]) -> Path:
    """The tutorial scenario over a node table of these rows (its header added)."""
    (folder / "tutorial").mkdir(exist_ok=True)
    (folder / "tutorial" / "nodes.csv").write_text(
        "\n".join(["id,name,kind,parent,county,lon,lat,population", *rows]) + "\n",
        encoding="utf-8")
    path = folder / "scenario.yaml"
    path.write_text(TUTORIAL.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def one_station_with_villages(folder: Path, villages: int = 20_000) -> Path:
    rows = ["GW,g,gateway,,,114,34.5,0", "HUB,h,hub,GW,,114.1,34.6,0",
            "P1,p,park,HUB,C,114.2,34.6,100", "S1,s,station,P1,C,114.3,34.6,100"]
    rows += [f"V{i},v{i},point,S1,C,{114.3 + i * 1e-5:.6f},34.7,10" for i in range(villages)]
    return with_nodes(folder, rows)


def million_rows(folder: Path) -> Path:
    rows = ["GW,g,gateway,,,114,34.5,0", "HUB,h,hub,GW,,114.1,34.6,0",
            "P1,p,park,HUB,C,114.2,34.6,100"]
    rows += [f"S{i},s,station,P1,C,114.3,34.6,1" for i in range(1_000_000)]
    return with_nodes(folder, rows)


def breakdown_storm(folder: Path) -> Path:
    """The tutorial for ten years with every vehicle breaking down every hour."""
    path = folder / "storm.yaml"
    path.write_text(f"extends: {TUTORIAL}\nrun: {{days: 3660}}\n"
                    "fleets: {village: {vehicles: 4}}\ndisruptions:\n  random:\n"
                    "    breakdowns: [{fleet: village, mtbf_h: 1, mttr_h: 0.01}]\n",
                    encoding="utf-8")
    return path


def valid(folder: Path) -> Path:
    return TUTORIAL


CASES: dict[str, Callable[[Path], Path]] = {
    "a valid scenario (the floor)": valid,
    "1 KB alias bomb": alias_bomb,
    "50 MB of YAML keys": many_keys,
    "one station with 20,000 villages": one_station_with_villages,
    "a node table of a million rows": million_rows,
    "YAML nested 600 deep": deep,
    "ten years of hourly breakdowns": breakdown_storm,
}


# `sim validate` started from a small Python of its own: a child's peak memory counts what it
# shared with its parent when forked, and the caller may be big (a test session is 500 MB)
MEASURE = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen([sys.executable, "-m", "sim", "validate", sys.argv[1]],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "output": output,
                  "seconds": time.perf_counter() - start, "peak_mb": usage.ru_maxrss / 1024}))
"""


def validate(path: Path) -> tuple[int, float, float, str]:
    """`sim validate` in a fresh process: exit code, wall seconds, peak MB, first line."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                          text=True, timeout=300, check=True)
    measured = json.loads(done.stdout)
    return (measured["code"], measured["seconds"], measured["peak_mb"],
            measured["output"].strip().splitlines()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, make in CASES.items():
            folder = Path(scratch) / str(len(rows))
            folder.mkdir()
            path = make(folder)
            runs = [validate(path) for _ in range(args.runs)]
            codes = {code for code, *_ in runs}
            seconds = [s for _, s, _, _ in runs]
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            rows.append({"case": name, "bytes": size or path.stat().st_size,
                         "exit": sorted(codes),
                         "median_s": statistics.median(seconds), "max_s": max(seconds),
                         "peak_mb": max(m for _, _, m, _ in runs), "message": runs[0][3]})
            print(f"{name}: exit {sorted(codes)}, {statistics.median(seconds):.2f} s, "
                  f"{rows[-1]['peak_mb']:.0f} MB: {runs[0][3][:100]}", flush=True)
    about = machine()
    lines = [machine_markdown(about), "",
             f"`sim validate` in a fresh process, {args.runs} runs per case:", "",
             "| case | files | exit | median s | max s | peak MB | within 5 s and 500 MB |",
             "|---|---:|---|---:|---:|---:|---|"]
    for row in rows:
        size = f"{row['bytes'] / MB:,.1f} MB" if row["bytes"] >= MB else f"{row['bytes']:,} B"
        met = "yes" if row["max_s"] <= 5 and row["peak_mb"] <= 500 else "no"
        lines.append(f"| {row['case']} | {size} | {', '.join(map(str, row['exit']))} | "
                     f"{row['median_s']:.2f} | {row['max_s']:.2f} | {row['peak_mb']:.0f} | "
                     f"{met} |")
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile_inputs.md").write_text(table, encoding="utf-8")
    (RESULTS / "hostile_inputs.json").write_text(
        json.dumps({"machine": about, "runs": args.runs, "cases": rows}, indent=1,
                   ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
