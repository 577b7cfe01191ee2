"""`sim run` prints the KPI table and writes every documented file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.engine.ledger import STAGES
from sim.errors import OutputError
from sim.results.parcels import QUANTILES, lead_block
from sim.results.writer import write_parquet_pieces

from .conftest import TUTORIAL

LEAD_KEYS = {"count", "mean", "p50", "p90", "p95", "max"}


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(TUTORIAL), "--days", "4", "--seed", "3",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    for heading in ("Lead time by flow", "Lead time by county", "Fleets", "Most pressed"):
        assert heading in result.output
    names = {p.name for p in out.iterdir()}
    files = {"parcels.parquet", "facility_hours.parquet", "trips.parquet", "bottlenecks.csv",
             "summary.json", "scenario.yaml"}
    assert names == files | {".sim-output.json"}  # the folder's manifest lists the rest
    manifest = json.loads((out / ".sim-output.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "run" and set(manifest["files"]) == files

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["days"] == 4 and summary["run"]["seed"] == 3
    parcels = summary["parcels"]
    assert parcels["created"] == parcels["delivered"] + parcels["in_network"]
    assert summary["conservation"]["holds"] is True
    assert set(summary["lead_time_h"]) >= LEAD_KEYS
    assert 0 <= summary["on_time_rate"] <= 1
    for group in ("by_flow", "by_tier", "by_county"):
        for block in summary[group].values():
            assert set(block["lead_time_h"]) >= LEAD_KEYS and "on_time_rate" in block
    assert set(summary["by_flow"]) == {"down", "up"}
    assert set(summary["by_tier"]) == {"park", "station", "point"}
    assert set(summary["by_county"]) == {"通许县"}
    assert set(summary["sorting"]) == {"HUB", "P410222", "S410222101", "S410222102",
                                       "S410222104", "S410222204"}
    assert set(summary["fleets"]) == {"trunk", "line_haul", "township", "village", "courier"}
    for backlog in summary["backlog"].values():
        assert backlog["peak"] >= backlog["end"] >= 0
    assert summary["vehicle_km"] > 0 and summary["cost"]["per_parcel"] > 0

    table = pd.read_parquet(out / "parcels.parquet")
    assert len(table) == parcels["created"]
    for column in ("id", "flow", "origin", "destination", "county", "tier", "lead_time_h",
                   "on_time", *(f"{stage}_h" for stage in STAGES)):
        assert column in table.columns
    delivered = table["lead_time_h"].notna()
    assert delivered.sum() == parcels["delivered"]
    lead = table["done_h"] - table["created_h"]
    assert (lead[delivered] - table["lead_time_h"][delivered]).abs().max() < 1e-9

    hours = pd.read_parquet(out / "facility_hours.parquet")
    assert {"node", "hour", "sort_queue", "backlog", "busy_fraction"} <= set(hours.columns)
    assert hours["busy_fraction"].between(0, 1).all()
    trips = pd.read_parquet(out / "trips.parquet")
    assert {"route", "fleet", "depart_h", "return_h", "km", "down_parcels"} <= set(trips.columns)
    assert (trips["return_h"] > trips["depart_h"]).all()
    bottlenecks = pd.read_csv(out / "bottlenecks.csv")
    assert bottlenecks["rank"].tolist() == list(range(1, len(bottlenecks) + 1))


def test_saved_scenario_reproduces_the_run(tmp_path):
    runner = CliRunner()
    first, second = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(app, ["run", str(TUTORIAL), "--set", "demand.multiplier=1.3",
                               "--out", str(first), "--no-parcels"]).exit_code == 0
    assert runner.invoke(app, ["run", str(first / "scenario.yaml"), "--out", str(second),
                               "--no-parcels"]).exit_code == 0
    a = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    b = json.loads((second / "summary.json").read_text(encoding="utf-8"))
    assert a == b


def test_validate_reports_the_network(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(TUTORIAL)])
    assert result.exit_code == 0
    assert ("provincial gateway: 1, city distribution centre: 1, county logistics park: 1, "
            "township service station: 4, and village service point: 32") in result.output


@pytest.mark.parametrize("failing", ["bottlenecks.csv", "parcels.parquet"])
def test_a_failed_write_leaves_nothing_that_looks_complete(tmp_path, monkeypatch, failing):
    from sim import api
    from sim.results import write_results, writer

    out = tmp_path / "run"
    results = api.run(TUTORIAL, ["run.days=2"])
    write_results(results, out, parcels=False)  # an earlier complete run in the same folder
    assert (out / "summary.json").exists()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    if failing == "bottlenecks.csv":  # on this thread, while parcels.parquet is written
        monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    else:  # on the writer's thread
        monkeypatch.setattr(writer, "write_parquet_pieces", broken)
    with pytest.raises(OutputError, match="disk full"):
        write_results(results, out)
    assert not (out / "summary.json").exists()  # the folder no longer claims completeness
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # no half-written files
    assert (out / "parcels.parquet").exists() == (failing != "parcels.parquet")


def test_overload_completes_and_names_the_unstable_resources():
    from sim import api

    result = api.run(TUTORIAL, ["demand.multiplier=4", "run.days=6"])
    summary = result.summary
    assert summary["conservation"]["holds"]
    assert summary["parcels"]["in_network"] > 0.2 * summary["parcels"]["created"]
    unstable = result.bottlenecks[result.bottlenecks["unstable"]]
    assert len(unstable) >= 3
    assert (unstable["backlog_growth_per_day"] > 0).all()
    assert result.bottlenecks["rank"].iloc[0] == 1 and result.bottlenecks["unstable"].iloc[0]


def test_parcels_file_holds_the_ledger_in_row_groups_a_reader_can_skip(tmp_path):
    from sim import api

    # overloaded, so that many stamps lie after the end of the run and must be left blank
    results = api.run(TUTORIAL, ["demand.multiplier=4", "run.days=6"])
    ledger, end = results.output.ledger, results.output.end_h
    path = tmp_path / "parcels.parquet"
    write_parquet_pieces(path, results.parcel_tables(rows_per_table=20_000))
    table = pd.read_parquet(path)
    blanks = 0
    for stage in STAGES:
        stamps = ledger.times[stage].astype(np.float64)
        expected = np.where(stamps <= end, stamps, np.nan)
        np.testing.assert_array_equal(table[f"{stage}_h"].to_numpy(np.float64), expected)
        blanks += int(np.count_nonzero(stamps > end))
    assert blanks > 1000
    np.testing.assert_array_equal(table["lead_time_h"].to_numpy(), results.outcomes.lead_h)

    metadata = pq.ParquetFile(path).metadata
    assert metadata.num_row_groups == -(-len(ledger) // 20_000)
    names = metadata.schema.names
    created = ledger.times["created"]
    for group in range(metadata.num_row_groups):
        columns = metadata.row_group(group)
        rows = created[group * 20_000 : (group + 1) * 20_000]
        stats = columns.column(names.index("created_h")).statistics
        assert (stats.min, stats.max) == (rows.min(), rows.max())  # a time filter can skip
        assert not columns.column(names.index("county")).is_stats_set  # would skip nothing
    after = pq.read_table(path, filters=[("created_h", ">=", 96.0)]).column("id").to_numpy()
    np.testing.assert_array_equal(after, np.flatnonzero(created >= 96.0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0, 500, allow_nan=False) | st.sampled_from([0.0, 1.5, 24.0]),
                min_size=1, max_size=60))
def test_lead_time_block_agrees_with_numpy(leads):
    # the quantiles come from partitions rather than np.percentile: same rule, same values
    values = np.array(leads)
    block = lead_block(values.copy())
    expected = np.percentile(values, list(QUANTILES.values()))
    assert [block[name] for name in QUANTILES] == expected.tolist()
    assert block["mean"] == values.mean()
    assert block["max"] == values.max()
    assert block["count"] == len(values)
