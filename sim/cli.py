"""Command line: `sim run`, `sim validate`, `sim sweep`, `sim capacity`, `sim plan`, `sim app`.

Input problems exit with code 2 and a one-line message per problem naming the file (or
option), the field and what is wrong; a bug in the simulator exits with code 3. Neither shows
a traceback (SIM_TRACEBACK=1 shows it for a bug). User text is never read as terminal markup:
a node id such as `[bold]` prints as written.

The command speaks Chinese or English (`sim --lang zh|en`, else the environment's locale):
its tables, progress and messages come from the catalogues; the model's own messages about a
scenario (what is wrong in which field) are English.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sim import api
from sim.errors import UserError
from sim.experiment.capacity import Evaluation
from sim.experiment.design import (
    SweepFile,
    point_count,
    read_sweep_file,
    swept_keys,
    with_options,
)
from sim.experiment.output import write_replications
from sim.experiment.plan.file import read_plan_file
from sim.experiment.replicate import Replications, check_replications
from sim.experiment.risk.driver import runs_needed
from sim.experiment.risk.file import read_risk_file
from sim.experiment.split.merge import MergedResults
from sim.i18n import NAMES, _, environment_language, ngettext, number, speaking
from sim.limits import MIB, server_limits
from sim.report import (
    city_lines,
    plain_console,
    print_capacity,
    print_plan,
    print_replications,
    print_report,
    print_risk,
    print_sweep,
)
from sim.results import Results, write_results
from sim.results.folders import RUN, OutputFolder, claim, claim_new
from sim.results.names import TIERS, Names, kind, listed
from sim.scenario import LoadedScenario
from sim.scenario.models import NODE_KINDS

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="County e-commerce express network simulator.")
# markup off: scenario names, node ids and file names are printed as written
console = plain_console()
errors = Console(stderr=True, markup=False, highlight=False)

ConfigArg = Annotated[Path | None, typer.Argument(
    help="scenario YAML (default: configs/kaifeng.yaml)", show_default=False)]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="override any field: dotted.path=value (repeatable)", show_default=False)]


WorkersOption = Annotated[int | None, typer.Option(
    min=1, help="worker processes (default: every core)", show_default=False)]
DaskOption = Annotated[str | None, typer.Option(
    "--dask", help="run on a Dask cluster: its scheduler address, or 'local'",
    show_default=False)]


class Language(StrEnum):
    zh = "zh"
    en = "en"


@app.callback()
def speak(ctx: typer.Context, lang: Annotated[Language | None, typer.Option(
        help="language of tables and messages: " + ", ".join(
            f"{code} ({name})" for code, name in NAMES.items())
        + " (default: the environment's locale)", show_default=False)] = None) -> None:
    """County e-commerce express network simulator."""
    ctx.with_resource(speaking(lang.value if lang else environment_language()))


def _fail(error: UserError) -> NoReturn:
    for line in error.message.splitlines():
        errors.print(Text.assemble((_("error:"), "bold red"), " ", line), soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def _reported() -> Iterator[None]:
    """One error path for every command: input problems exit 2 with their message, a bug
    exits 3 with one line saying so, an interrupt exits 130."""
    try:
        yield
    except typer.Exit:
        raise
    except UserError as error:
        _fail(error)
    except KeyboardInterrupt:
        errors.print(_("interrupted"), style="bold red")
        raise typer.Exit(130) from None
    except Exception as error:  # a bug: say so plainly, never as a user's mistake
        if os.environ.get("SIM_TRACEBACK"):
            errors.print("".join(traceback.format_exception(error)))
        errors.print(Text.assemble((_("internal error:"), "bold red"), " ", _(
            "{kind}: {error}. This is a bug in the simulator, not in your input; please report"
            " it with the scenario and the command (SIM_TRACEBACK=1 shows where it happened)."
        ).format(kind=type(error).__name__, error=error)), soft_wrap=True)
        raise typer.Exit(3) from None


@app.command()
def run(
    config: ConfigArg = None,
    days: Annotated[int | None, typer.Option(help="days with demand (run.days)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (run.seed)")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option(
        help="output folder (default: runs/<scenario>-<time>)", show_default=False)] = None,
    parcels: Annotated[bool, typer.Option(help="write parcels.parquet")] = True,
    reps: Annotated[int, typer.Option(min=1, help="replications (KPIs as mean and 95% CI)")] = 1,
    workers: WorkersOption = None,
    dask: DaskOption = None,
) -> None:
    """Run a scenario: print the KPI table and write the result files.

    A network of several cities that share nothing runs split by city on the workers
    (`--workers 1`: whole in one process), with the same results."""
    overrides = [*(set_ or []), *api.run_overrides(days, seed)]
    with _reported():
        scenario = api.read(config, overrides)  # the run checks roads and volume itself
        check_replications(scenario, reps)
        cities, joined = api.cities(scenario)
        if cities > 1 and joined is None:
            _run_by_city(scenario, cities, out, parcels, reps, workers, dask)
            return
        if cities > 1 and (workers or dask):
            errors.print(_("The {count} cities run whole in one process: {reason}").format(
                count=number(cities), reason=joined))
        folder = _run_folder(scenario, out)
        with folder:  # a run that fails before writing leaves no folder it made
            with Progress(TextColumn(_("simulating")), BarColumn(),
                          TextColumn("{task.fields[day]}"), TimeElapsedColumn(),
                          console=errors, transient=True) as bar:
                task = bar.add_task("run", total=1.0, day=_("day {day}").format(day=0))
                results = api.run(scenario, progress=lambda now, end: bar.update(
                    task, completed=now / end, day=_("day {day}").format(day=f"{now / 24:.0f}")))
            replications = _replications(scenario, reps, workers, dask, results)
            if replications is not None:
                write_replications(replications, folder)
            write_results(results, folder, parcels=parcels)  # summary.json last
        print_report(results, console)
        if replications is not None:
            print_replications(replications, console)
        console.print(_("results written to {folder}/").format(folder=folder))


def _replications(scenario: LoadedScenario, reps: int, workers: int | None, dask: str | None,
                  first: Results | MergedResults) -> Replications | None:
    """Replications 0..reps-1 with a progress bar, the first from the run at hand."""
    if reps < 2:
        return None
    with _counter(ngettext("{count} replication", "{count} replications", reps)
                  .format(count=number(reps)), reps) as show:
        finished = [0]

        def advance(count: int) -> None:
            finished[0] += count
            show(finished[0])

        return api.replicate(scenario, reps, workers=workers, dask=dask, progress=advance,
                             first=first)


def _run_folder(scenario: LoadedScenario, out: Path | None) -> OutputFolder:
    """The run's folder, checked and claimed before the simulation, never found unusable
    after: `out`, or a new one under runs/."""
    return claim(out, RUN, scenario.input_files) if out else claim_new(Path("runs"), (
        f"{scenario.path.stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"), RUN)


def _run_by_city(scenario: LoadedScenario, cities: int, out: Path | None, parcels: bool,
                 reps: int, workers: int | None, dask: str | None) -> None:
    """`sim run` of a network of several cities: each city a task, the results merged."""
    folder = _run_folder(scenario, out)
    with folder:
        with _counter(ngettext("{count} city", "{count} cities", cities).format(
                count=number(cities)), cities) as show:
            results = api.run_by_city(scenario, folder, workers, dask, parcels,
                                      progress=lambda done, _total: show(done))
        replications = _replications(scenario, reps, workers, dask, results)
        if replications is not None:
            write_replications(replications, folder)
        api.write_by_city(results, folder)
    print_report(results, console)
    console.print(city_lines(results.parts))
    if replications is not None:
        print_replications(replications, console)
    console.print(_("results written to {folder}/").format(folder=folder))


@contextmanager
def _counter(label: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A progress bar with ETA; yields a function that sets how many are done (and, for
    work that grows as it goes, the total known so far)."""
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=errors, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def show(done: int, total: int | None = None) -> None:
            bar.update(task, completed=done, **({} if total is None else {"total": total}))
        yield show


@app.command()
def validate(config: Annotated[Path, typer.Argument(help="scenario YAML")],
             set_: SetOption = None) -> None:
    """Check a scenario (schema, tables, tree, roads, goods) without running it."""
    with _reported():
        scenario = api.load(config, set_ or [])
        nodes = scenario.nodes["kind"].value_counts()
        counts = listed([_("{kind}: {count}").format(kind=kind(TIERS, k),
                                                     count=number(nodes.get(k, 0)))
                         for k in NODE_KINDS])
        goods = scenario.config
        if goods.hubs or goods.products:
            counts += _("; goods: {hubs} hubs, {products} products").format(
                hubs=number(len(goods.hubs)), products=number(len(goods.products)))
        console.print(_("{file}: valid ({counts})").format(file=config, counts=counts),
                      soft_wrap=True)


@app.command()
def sweep(
    config: ConfigArg = None,
    file: Annotated[Path | None, typer.Option(
        help="sweep design (YAML: reps, base, grid, zip, sample)", show_default=False)] = None,
    grid: Annotated[list[str] | None, typer.Option(
        help="dotted.key=v1,v2,... crossed with every other key (repeatable)",
        show_default=False)] = None,
    zip_: Annotated[list[str] | None, typer.Option(
        "--zip", help="dotted.key=v1,v2,... paired with the other --zip lists (repeatable)",
        show_default=False)] = None,
    reps: Annotated[int | None, typer.Option(min=1, help="replications per point")] = None,
    set_: SetOption = None,
    out: Annotated[Path, typer.Option(help="sweep folder (re-run to resume)")] = Path("sweep"),
    workers: WorkersOption = None,
    dask: DaskOption = None,
) -> None:
    """Run every point of a design with replications: runs.parquet and points.csv."""
    with _reported():
        design = read_sweep_file(file) if file else SweepFile()
        scenario_path = config or (Path(design.scenario) if design.scenario else None)
        design = with_options(design, grid or [], zip_ or [])
        design = design.model_copy(update={"reps": reps or design.reps,
                                           "base": [*design.base, *(set_ or [])]})
        scenario = api.load(scenario_path)
        everything = point_count(design) * design.reps  # the sweep checks it against limits
        with _counter(ngettext("sweep of {count} run", "sweep of {count} runs", everything)
                      .format(count=number(everything)), everything) as show:
            # the sweep counts what is left to run; earlier runs of this folder are done
            result = api.sweep(scenario, design, out, workers=workers, dask=dask,
                               progress=lambda done, left: show(everything - left + done),
                               source=str(file) if file else "--grid/--zip/--reps")
        print_sweep(result, swept_keys(design), console)
        console.print(_("sweep written to {folder}/ (runs.parquet, points.csv, points/)").format(
            folder=out))


@app.command()
def capacity(
    config: ConfigArg = None,
    target: Annotated[list[str] | None, typer.Option(
        help="a KPI that must hold, e.g. by_tier.point.lead_time_h.p95<=72 (repeatable)",
        show_default=False)] = None,
    reps: Annotated[int, typer.Option(min=1, help="replications per multiplier")] = 3,
    set_: SetOption = None,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    out: Annotated[Path | None, typer.Option(
        help="write capacity.json and analytic.csv here", show_default=False)] = None,
) -> None:
    """Largest demand.multiplier that meets the targets with no growing backlog."""
    with _reported():
        scenario = api.read(config, set_ or [])
        names = Names.of(scenario)
        table, result = api.capacity(
            scenario, target or [], reps, workers=workers, dask=dask,
            log=lambda e: errors.print(evaluated(e, names), soft_wrap=True), out=out)
        print_capacity(table, result, names, console)


class Search(StrEnum):
    exhaustive = "exhaustive"
    greedy = "greedy"


@app.command()
def plan(
    config: ConfigArg = None,
    file: Annotated[Path, typer.Option(
        help="plan file (YAML: decisions, targets, conditions, reps)")] = Path("plan.yaml"),
    out: Annotated[Path, typer.Option(help="plan folder")] = Path("plan"),
    method: Annotated[Search | None, typer.Option(
        help="the plan file's method otherwise (exhaustive when small)",
        show_default=False)] = None,
    workers: WorkersOption = None,
    dask: DaskOption = None,
) -> None:
    """The cheapest decisions that meet the targets, verified on fresh seeds: scenario.yaml,
    changes.csv, candidates.csv and plan.json."""
    with _reported():
        design = read_plan_file(file)
        scenario = api.read(config or (file.parent / design.scenario if design.scenario
                                       else None))
        with _counter(_("planning: runs done of those asked so far"), None) as show:
            runs = [0]

            def counted(done: int) -> None:
                runs[0] += done
                show(runs[0])

            result = api.plan(scenario, file, out, workers=workers, dask=dask,
                              progress=counted, method=method and method.value,
                              planned=lambda asked: show(runs[0], asked))
        print_plan(result, Names.of(scenario), console)
        console.print(_("plan written to {folder}/ (scenario.yaml, changes.csv, "
                        "candidates.csv, frontier.csv, plan.json; runs/, from which the same "
                        "command resumes)").format(folder=out))


@app.command()
def risk(
    config: ConfigArg = None,
    file: Annotated[Path, typer.Option(
        help="risk file (YAML: risks, plans, replications)")] = Path("risks.yaml"),
    reps: Annotated[int | None, typer.Option(
        min=2, help="replications (default: the risk file's)", show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="risk folder")] = Path("risk"),
    workers: WorkersOption = None,
    dask: DaskOption = None,
) -> None:
    """Monte Carlo over random disruptions: each risk ranked by the delay it is expected to
    cause, and the plans' resilience compared on the same draws (runs.csv, risks.csv,
    plans.csv, risk.json)."""
    with _reported():
        design = read_risk_file(file)
        scenario = api.read(config or (file.parent / design.scenario if design.scenario
                                       else None))
        total = runs_needed(design, reps or design.reps)
        with _counter(_("risk analysis: runs done"), total) as show:
            runs = [0]

            def counted(done: int) -> None:
                runs[0] += done
                show(runs[0])

            result = api.risk(scenario, file, reps, out, workers=workers, dask=dask,
                              progress=counted)
        print_risk(result, console)
        console.print(_("risk analysis written to {folder}/ (runs.csv, risks.csv, plans.csv, "
                        "risk.json)").format(folder=out))


GROWS = "backlog grows at "  # the search's reason when a resource's backlog keeps growing


def evaluated(evaluation: Evaluation, names: Names) -> str:
    """One multiplier of the capacity search: passes, or fails and why (a growing backlog
    by the resource's name; a missed target as the target was written)."""
    multiplier = f"{evaluation.multiplier:.4g}"
    if evaluation.passed:
        return _("demand.multiplier {multiplier}: passes").format(multiplier=multiplier)
    reasons = [_("backlog grows at {resource}").format(
        resource=names.resource(reason.removeprefix(GROWS)))
        if reason.startswith(GROWS) else reason for reason in evaluation.reasons]
    return _("demand.multiplier {multiplier}: fails: {reasons}").format(
        multiplier=multiplier, reasons="; ".join(reasons))


@app.command(name="app")
def streamlit_app() -> None:
    """Open the interactive app (streamlit run app.py, its modules loaded before the first
    visitor), its uploads capped by the server's SIM_APP_MAX_UPLOAD_BYTES."""
    with _reported():
        upload_mb = max(1, -(-server_limits().upload_bytes // MIB))
    raise typer.Exit(subprocess.call([sys.executable, "-m", "sim.ui.serve",
                                      "--server.maxUploadSize", str(upload_mb)]))


def main() -> None:
    app()
