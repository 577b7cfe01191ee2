"""What binds: a full village shelf is blamed for the parcels it holds back at its station,
not the van route that passes them over; short vans are still the route's fault. And a
capacity target that cannot be read, or names no KPI, is refused with a message."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sim import api
from sim.cli import app

from .conftest import TUTORIAL

SHORT_SHELVES = ["facilities.point.shelf_slots=20"]  # analytic bound 1.0: shelves first
SHORT_VANS = ["fleets.village.capacity=60"]  # analytic bound 0.68: village routes first


def unstable(overrides: list[str]) -> list[str]:
    table = api.run(TUTORIAL, overrides).bottlenecks
    return table.loc[table["unstable"], "resource"].tolist()


def test_a_full_shelf_is_blamed_for_the_parcels_it_holds_back():
    names = unstable([*SHORT_SHELVES, "demand.multiplier=0.75"])
    assert names and names[0].startswith("shelf:")
    # the vans had room: the parcels passed over are the shelves', not the routes'
    assert not [name for name in names if name.startswith("route:")]


def test_short_vans_are_blamed_on_their_route():
    names = unstable(SHORT_VANS)
    assert names and names[0].startswith("route:village:")
    assert not [name for name in names if name.startswith("shelf:")]


@pytest.mark.parametrize(("overrides", "kind", "prefix"), [
    (SHORT_SHELVES, "village shelf", "shelf:"),
    (SHORT_VANS, "vehicle route", "route:village:"),
])
def test_the_search_names_what_its_analytic_table_names(overrides, kind, prefix):
    table, result = api.capacity(TUTORIAL, reps=2, overrides=overrides, workers=1)
    assert table.iloc[0]["kind"] == kind
    assert result.binding.startswith(prefix), result.binding


def capacity_command(*targets: str):
    options = [option for target in targets for option in ("--target", target)]
    return CliRunner().invoke(app, ["capacity", str(TUTORIAL), "--reps", "1", "--workers",
                                    "1", "--set", "run.days=2", "--set", "run.warmup_days=0",
                                    *options])


@pytest.mark.parametrize("target", ["x<=1e", "a<=..", "<=3", "kpi=>5", "x<=1e999", "x<=-"])
def test_a_malformed_target_is_refused(target):
    outcome = capacity_command(target)
    assert outcome.exit_code == 2, outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)
    assert outcome.output.startswith(f"error: --target {target}: expected KPI<=VALUE")


def test_a_target_on_no_kpi_is_refused_with_the_names_close_to_it():
    outcome = capacity_command("by_tier.point.lead_time.p95<=50")
    assert outcome.exit_code == 2, outcome.output
    first = outcome.output.splitlines()[0]
    assert "by_tier.point.lead_time.p95: no such KPI" in first
    assert "by_tier.point.lead_time_h.p95" in first


def test_a_search_that_reaches_the_parcel_limit_reports_what_it_found(tmp_path):
    """Doubling the volume runs into the parcel ceiling: the search stops there and says so,
    with what it found below, rather than failing."""
    result = CliRunner().invoke(app, [
        "capacity", str(TUTORIAL), "--reps", "2", "--workers", "1",
        "--set", "demand.multiplier=0.25", "--set", "run.max_parcels=30000",
        "--out", str(tmp_path / "cap")])
    assert result.exit_code == 0, result.output
    assert "no failure up to demand.multiplier 0.5" in result.output
    assert "The search stopped there: a run at demand.multiplier 1: run.max_parcels: about " \
           "39," in result.output
    written = json.loads((tmp_path / "cap" / "capacity.json").read_text(encoding="utf-8"))
    assert written["capacity_multiplier"] == 0.5
    assert written["failed_at"] is None
    assert "run.max_parcels" in written["stopped"]
