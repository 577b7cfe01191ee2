"""Command line: `sim run`, `sim validate`, `sim app`.

Input problems exit with code 2 and a one-line message per problem naming the file, the field
and what is wrong; they never show a traceback.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim import api
from sim.errors import ConservationError, ScenarioError
from sim.report import print_report
from sim.results import write_results

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="County e-commerce express network simulator.")
console = Console()
errors = Console(stderr=True)

ConfigArg = Annotated[Path | None, typer.Argument(
    help="scenario YAML (default: configs/kaifeng.yaml)", show_default=False)]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="override any field: dotted.path=value (repeatable)", show_default=False)]


def _fail(error: ScenarioError) -> None:
    for line in error.message.splitlines():
        errors.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def run(
    config: ConfigArg = None,
    days: Annotated[int | None, typer.Option(help="days with demand (run.days)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (run.seed)")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option(
        help="output folder (default: runs/<scenario>-<time>)", show_default=False)] = None,
    parcels: Annotated[bool, typer.Option(help="write parcels.parquet")] = True,
) -> None:
    """Run a scenario: print the KPI table and write the result files."""
    overrides = [*(set_ or []), *api.run_overrides(days, seed)]
    try:
        scenario = api.load(config, overrides)
        with Progress(TextColumn("simulating"), BarColumn(), TextColumn("day {task.fields[day]}"),
                      TimeElapsedColumn(), console=errors, transient=True) as bar:
            task = bar.add_task("run", total=1.0, day="0")
            results = api.run(scenario, progress=lambda now, end: bar.update(
                task, completed=now / end, day=f"{now / 24:.0f}"))
        folder = out or Path("runs") / (
            f"{scenario.path.stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")
        write_results(results, folder, parcels=parcels)
    except ScenarioError as error:
        _fail(error)
    except ConservationError as error:
        errors.print(f"[bold red]internal error:[/] {error}", highlight=False)
        raise typer.Exit(3) from None
    print_report(results, console)
    console.print(f"results written to {folder}/", highlight=False)


@app.command()
def validate(config: Annotated[Path, typer.Argument(help="scenario YAML")],
             set_: SetOption = None) -> None:
    """Check a scenario (schema, tables, tree, roads) without running it."""
    try:
        scenario = api.load(config, set_ or [])
    except ScenarioError as error:
        _fail(error)
    nodes = scenario.nodes["kind"].value_counts()
    counts = ", ".join(f"{nodes.get(k, 0)} {k}" for k in ("gateway", "hub", "park", "station",
                                                           "point"))
    console.print(f"{config}: valid ({counts})", highlight=False, soft_wrap=True)


@app.command(name="app")
def streamlit_app() -> None:
    """Open the interactive app (streamlit run app.py)."""
    script = Path(__file__).resolve().parents[1] / "app.py"
    raise typer.Exit(subprocess.call([sys.executable, "-m", "streamlit", "run", str(script)]))


def main() -> None:
    app()
