"""The app's speed as a planner meets it, in Debian's chromium, against `sim run`.

    python benchmarks/app_speed.py            # 3 repetitions of each measure
    python benchmarks/app_speed.py --reps 5

Measures, each the median of the repetitions:

- `sim run` of the app's default (configs/kaifeng.yaml for its first FIRST_DAYS days), as a
  user types it: the command's wall time, interpreter start and files included;
- the page: from opening the address to the network on the landing map and to the first KPI
  cards, on a server that has just started (the first visitor pays the imports) and on one
  already serving (every later visitor); the ratio of the latter to `sim run`;
- each change of view (every tab, the map's colour option and its day slider): from the
  click until the page is still again with the view drawn;
- a sweep of 4 points with its progress bar: the time, and the progress texts seen.

Writes benchmarks/results/app_speed.json and .md. Seconds compare only within one table:
the project's machines differ three times over.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: benchmarks/ is not an installed package

from benchmarks.browser import chromium, open_app, served, settle  # noqa: E402
from benchmarks.machine import machine, machine_markdown  # noqa: E402
from sim.i18n import _, speaking  # noqa: E402
from sim.ui.sidebar import FIRST_DAYS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SCENARIO = "kaifeng.yaml"
LANG = "zh"
# when the landing map and the first KPI card appeared, in ms since navigation began; and
# every end of a script run (the page's or a fragment's)
MARKS = """
window.marks = {settled: []};
new MutationObserver(() => {
  const now = performance.now();
  if (!window.marks.landing
      && document.querySelector('.st-key-landing [data-testid="stImage"] img')) {
    window.marks.landing = now;
  }
  if (!window.marks.kpis && document.querySelector('[data-testid="stMetric"]')) {
    window.marks.kpis = now;
  }
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  if (state !== window.marks.state) {
    window.marks.state = state;
    if (state === 'notRunning') window.marks.settled.push(now);
  }
  document.querySelectorAll('[data-testid="stProgress"]').forEach(bar => {
    const text = bar.innerText.trim();
    window.marks.progress = window.marks.progress || [];
    if (text && !window.marks.progress.includes(text)) window.marks.progress.push(text);
  });
}).observe(document, {childList: true, subtree: true, attributes: true,
                      characterData: true});
"""
TABS = ["Map", "Lead times", "Facilities", "Bottlenecks", "Sweep", "Plan", "Compare",
        "Downloads", "Cold chain"]
DRAWN = {  # what shows that a tab's view is drawn
    "Map": '[data-testid="stDeckGlJsonChart"] canvas',
    "Lead times": '[data-testid="stVegaLiteChart"]',
    "Facilities": '[data-testid="stVegaLiteChart"]',
}


def words(message: str) -> str:
    with speaking(LANG):
        return _(message)


def sim_run() -> float:
    """`sim run` of the app's default, wall time of the whole command."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "run", f"configs/{SCENARIO}", "--set",
                        f"run.days={FIRST_DAYS}", "--out", folder], cwd=ROOT, check=True,
                       capture_output=True)
        return time.perf_counter() - started


def first_view(browser, address: str) -> dict:
    """Seconds from opening the page to its landing map and to its first KPI cards."""
    page = open_app(browser, address, watch=MARKS, lang=LANG, scenario=SCENARIO)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    marks = page.evaluate("() => window.marks")
    page.close()
    return {"landing_s": marks.get("landing", float("nan")) / 1000,
            "kpis_s": marks["kpis"] / 1000, "all_drawn_s": max(marks["settled"]) / 1000}


def since(page, started: float) -> float:
    """Seconds from `started` (page time, ms) to the last end of a script run after it."""
    ends = [t for t in page.evaluate("() => window.marks.settled") if t >= started]
    return (max(ends) - started) / 1000 if ends else 0.0


def view_changes(browser, address: str) -> dict[str, float]:
    """Seconds each change of view takes on a page showing a run."""
    page = open_app(browser, address, watch=MARKS, lang=LANG, scenario=SCENARIO)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    took: dict[str, float] = {}
    for name in TABS[1:] + TABS[:1]:  # starts on the first: come back to it last
        tab = page.get_by_role("tab", name=words(name), exact=True).element_handle()
        started = page.evaluate("() => performance.now()")  # found before: the page's time
        tab.click()
        if name in DRAWN:
            page.locator(f'[role="tabpanel"]:visible {DRAWN[name]}').first.wait_for()
        drawn = page.evaluate("() => performance.now()")
        settle(page)
        if since(page, started):  # a tab that reran the script waits for it
            drawn = started + since(page, started) * 1000
        took[f"tab: {name}"] = (drawn - started) / 1000
    page.get_by_role("tab", name=words("Map"), exact=True).click()
    settle(page)
    option = page.get_by_text(words("Utilisation"), exact=True).element_handle()
    started = page.evaluate("() => performance.now()")
    option.click()
    settle(page)
    took["map: colour by utilisation"] = since(page, started)
    slider = page.get_by_role("slider").first
    slider.focus()
    started = page.evaluate("() => performance.now()")
    slider.press("Home")
    settle(page)
    took["map: day slider to the first day"] = since(page, started)
    page.close()
    return took


def sweep(browser, address: str) -> dict:
    """A sweep of the default lever's four default values with 3 replications each."""
    page = open_app(browser, address, watch=MARKS, lang=LANG, scenario=SCENARIO)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    page.get_by_role("tab", name=words("Sweep"), exact=True).click()
    settle(page)
    started = page.evaluate("() => performance.now()")
    page.get_by_role("button", name=words("Run sweep")).click()
    page.locator('[role="tabpanel"]:visible [data-testid="stVegaLiteChart"]').first.wait_for(
        timeout=600_000)
    settle(page)
    seconds = since(page, started)
    progress = page.evaluate("() => window.marks.progress || []")
    page.close()
    return {"seconds": seconds, "progress_texts": progress}


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure(reps: int) -> dict:
    runs = [sim_run() for _ in range(reps)]
    cold, warm, views, sweeps = [], [], [], []
    with chromium() as browser:
        for _ in range(reps):
            with served() as address:  # a server just started: its first visitor
                cold.append(first_view(browser, address))
                warm.append(first_view(browser, address))
                views.append(view_changes(browser, address))
        with served() as address:
            sweeps.append(sweep(browser, address))
    view_names = list(views[0])
    result = {
        "machine": machine(),
        "reps": reps,
        "scenario": f"configs/{SCENARIO}, first {FIRST_DAYS} days",
        "sim_run_s": median(runs),
        "first_visitor": {k: median([c[k] for c in cold]) for k in cold[0]},
        "later_visitor": {k: median([w[k] for w in warm]) for k in warm[0]},
        "views_s": {name: median([v[name] for v in views]) for name in view_names},
        "sweep": sweeps[0],
    }
    result["ratio_to_sim_run"] = result["later_visitor"]["kpis_s"] / result["sim_run_s"]
    return result


def markdown(result: dict) -> str:
    first, later = result["first_visitor"], result["later_visitor"]
    lines = [
        "# The app's speed, in chromium\n",
        machine_markdown(result["machine"]),
        f"{result['scenario']}; medians of {result['reps']} repetitions.\n",
        "| measure | seconds |", "|---|---:|",
        f"| `sim run` (whole command) | {result['sim_run_s']:.1f} |",
        f"| page, first visitor after the server starts: network shown | "
        f"{first['landing_s']:.1f} |",
        f"| page, first visitor: first KPI cards | {first['kpis_s']:.1f} |",
        f"| page, later visitor: network shown | {later['landing_s']:.1f} |",
        f"| page, later visitor: first KPI cards | {later['kpis_s']:.1f} |",
        f"| later visitor's KPIs / `sim run` | {result['ratio_to_sim_run']:.2f}x |",
        f"| page, later visitor: every tab drawn, the map included | "
        f"{later['all_drawn_s']:.1f} |",
    ]
    lines += [f"| view change, {name} | {seconds:.2f} |"
              for name, seconds in result["views_s"].items()]
    sweep_run = result["sweep"]
    lines += [f"| sweep, 4 points x 3 replications | {sweep_run['seconds']:.1f} |", "",
              "Progress texts seen during the sweep: "
              + "; ".join(f"\"{text}\"" for text in sweep_run["progress_texts"][:6]) + "\n"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    result = measure(args.reps)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "app_speed.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    text = markdown(result)
    (RESULTS / "app_speed.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
