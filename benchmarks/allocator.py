"""Memory tuning for the `sim` command against the defaults, in paired runs in fresh processes.

    python -m benchmarks.allocator [--days 30] [--pairs 8]

The tuning measured is what importing `sim` once did to every process: glibc's malloc taking
blocks below 1 GB from the heap and keeping up to 1 GB of freed memory at its top, so a run's
full-size temporaries are faulted in once and then reused, and numpy without its advice to
back arrays of 4 MB and more with transparent huge pages. It did not pay, so nothing in `sim`
applies it; it lives here to be measured again.

Each pair runs the Kaifeng month as benchmarks/case.py does (load to summary, without
parcels.parquet) twice, each in a fresh interpreter: once as glibc and numpy leave memory, and
once with `tune()` applied at start-up. The order alternates from pair to pair and each pair
is compared within itself, so that the drift of a shared machine (other work on the same
cores) falls on both alike. Prints each pair (wall time, peak memory, the process's user and
system time and page faults), the medians, the ratio, how many pairs favour the tuning, and
the machine.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys

from benchmarks.machine import machine, machine_markdown
from benchmarks.run import ROOT, SINGLE_THREAD

MMAP_THRESHOLD_BYTES = 1 << 30  # allocations below this come from the heap
TRIM_BYTES = 1 << 30  # free memory kept at the heap's top
TOP_PAD_BYTES = 64 << 20  # the heap grows by at least this much at a time
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt options


def tune() -> None:
    """The tuned arm's memory: numpy without huge-page advice, glibc's malloc keeping big
    blocks. Changes the whole process, for allocations made after it."""
    from numpy._core import multiarray

    multiarray._set_madvise_hugepage(False)  # what NUMPY_MADVISE_HUGEPAGE=0 sets at import
    mallopt = ctypes.CDLL("libc.so.6").mallopt
    for option, value in ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
                          (_M_TRIM_THRESHOLD, TRIM_BYTES), (_M_TOP_PAD, TOP_PAD_BYTES)):
        if not mallopt(option, ctypes.c_int(value)):
            raise OSError(f"glibc refused mallopt({option}, {value})")


# both arms start the same way; only the tuned one calls the tuning before the case runs
START = ("import runpy, sys\n{tune}sys.argv = sys.argv[1:]\n"
         "runpy.run_path(sys.argv[0], run_name='__main__')")
TUNE = "from benchmarks.allocator import tune\ntune()\n"
ARMS = {"default": START.format(tune=""), "tuned": START.format(tune=TUNE)}


def environment() -> dict[str, str]:
    """This environment without settings of malloc or of numpy's huge pages, so that the arms
    differ only by the tuning."""
    return {**{key: value for key, value in os.environ.items()
               if key not in ("NUMPY_MADVISE_HUGEPAGE", "GLIBC_TUNABLES")
               and not key.startswith("MALLOC_")}, **SINGLE_THREAD}


def run_once(start: str, case: list[str]) -> dict:
    """benchmarks/case.py's timings for one fresh process, with its CPU times and minor page
    faults (the children's totals, taken before and after: one child runs at a time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", start, str(ROOT / "benchmarks" / "case.py"),
                           *case], cwd=ROOT, env=environment(), capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the case failed:\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": timings["seconds"], "peak_rss_mb": timings["peak_rss_mb"],
            "user_s": after.ru_utime - before.ru_utime,
            "system_s": after.ru_stime - before.ru_stime,
            "faults": after.ru_minflt - before.ru_minflt}


def describe(run: dict) -> str:
    return (f"{run['seconds']:.2f} s, {run['peak_rss_mb']:,.0f} MB, user {run['user_s']:.2f} s, "
            f"system {run['system_s']:.2f} s, {run['faults']:,} faults")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args()
    case = ["configs/kaifeng.yaml", "--set", f"run.days={args.days}", "--no-parcels"]
    runs: dict[str, list[dict]] = {arm: [] for arm in ARMS}
    for pair in range(args.pairs):
        order = list(ARMS) if pair % 2 == 0 else list(reversed(ARMS))
        for arm in order:
            runs[arm].append(run_once(ARMS[arm], case))
        print(f"pair {pair + 1} ({' first, '.join(order)} second): default "
              f"{describe(runs['default'][-1])}; tuned {describe(runs['tuned'][-1])}", flush=True)

    def median(arm: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[arm])

    ratios = [tuned["seconds"] / default["seconds"]
              for default, tuned in zip(runs["default"], runs["tuned"], strict=True)]
    others = "; ".join(
        f"{what} {median('tuned', key):,.{digits}f} against {median('default', key):,.{digits}f}"
        for what, key, digits in (("peak memory (max RSS) MB", "peak_rss_mb", 0),
                                  ("user s", "user_s", 2), ("system s", "system_s", 2),
                                  ("minor page faults", "faults", 0)))
    print(machine_markdown(machine()), end="")
    print(f"Kaifeng {args.days} days to its summary (--no-parcels), fresh processes, "
          f"{args.pairs} pairs in alternating order: tuned {median('tuned', 'seconds'):.2f} s "
          f"against {median('default', 'seconds'):.2f} s (medians); tuned faster in "
          f"{sum(r < 1 for r in ratios)} pairs of {args.pairs}; median ratio "
          f"{statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f}). "
          f"Medians, tuned against default: {others}.")

if __name__ == "__main__":
    main()
