"""Every value the schema accepts runs: each numeric field at the lowest or highest value its
bounds allow ends in a valid run or a clear refusal (exit 2), never in an overflow, a NaN or
a broken conservation check (exit 3). The bounds are read from the schema, so the test
follows it."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from sim.cli import app
from sim.clock import DailyClock
from sim.demand import Parcels
from sim.engine.ledger import Ledger
from sim.engine.shelf import PickupDelay, Shelves
from sim.errors import ScenarioError
from sim.results.writer import scenario_document
from sim.scenario import load_scenario
from sim.scenario.calendar import in_season
from sim.scenario.models import Fleet, Pickup, Scenario
from sim.scenario.tables import NodeRow, RoadRow
from sim.scenario.yamlio import dump_yaml

from .conftest import CONFIGS
from .test_fuzz import base_raw, check_outcome, write_copy

RUNNER = CliRunner()
STATION, POINT = "S410222101", "V410222101200"


def rich_raw() -> dict:
    """The short tutorial with every optional part given, so every numeric field is there:
    two carriers, a calendar event, per-node values, a bus line and goods."""
    raw = base_raw()
    raw["run"]["max_parcels"] = 200_000  # far above the tutorial's 11,000: big runs refused
    raw["carriers"] = [{"name": "A", "share": 0.6, "line_haul_departures": ["05:00"]},
                       {"name": "B", "share": 0.4, "line_haul_departures": ["06:00"]}]
    raw["demand"]["events"] = [{"name": "fair", "start": "2026-03-02", "end": "2026-03-02",
                                "multiplier": 1.5}]
    raw["network"]["road_classes"] = {name: {"speed_kmh": speed} for name, speed in (
        ("expressway", 80), ("highway", 60), ("county", 45), ("village", 30))}
    raw["node_overrides"] = {
        STATION: {"population": 9000, "opening_hours": ["08:00-18:00"], "sort_rate_per_h": 200,
                  "vehicles": 3},
        POINT: {"population": 1500, "opening_hours": ["08:00-18:00"], "shelf_slots": 80},
    }
    raw["fleets"]["bus_village"] = {"vehicles": 2, "capacity": 60, "speed_kmh": 35,
                                    "departures": ["08:00", "14:00"], "shared_km": True}
    raw["operations"] = {"townships": {STATION: {"village": "bus"}}}
    raw["hubs"] = [{
        "name": "base", "role": "cold_chain_base", "lon": 114.47, "lat": 34.5,
        "serves": ["通许县"], "handling_per_h": 40, "cold_storage_pallets": 100,
        "fleets": {job: {"vehicles": 1, "capacity_pallets": 10, "departures": ["08:00"]}
                   for job in ("line_haul", "collect", "distribute")},
    }]
    raw["products"] = [
        {"name": "mushroom", "unit": "kg", "units_per_pallet": 300, "kg_per_unit": 1,
         "chain": "chilled", "shelf_life_ambient_h": 36, "shelf_life_cold_h": 144,
         "flow": "up", "counties": ["通许县"], "per_day": 100},
        {"name": "frozen", "unit": "crate", "units_per_pallet": 50, "kg_per_unit": 10,
         "chain": "frozen", "shelf_life_ambient_h": 6, "shelf_life_cold_h": 2000,
         "flow": "down", "counties": ["通许县"], "per_day": 20, "freezer_share": 0.5},
    ]
    raw["precooling"] = {"pallets": 10, "hours": 2, "first_mile_kmh": 20}
    return raw


def field_schema(info: FieldInfo) -> dict:
    annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(annotation).json_schema()


def numeric_schema(schema: dict) -> tuple[dict, tuple] | None:
    """The number or integer in a field's JSON schema (also as an option of a union, or the
    items of a list: then the path goes on to the first item)."""
    if schema.get("type") in ("number", "integer"):
        return schema, ()
    for option in schema.get("anyOf", []):
        if (found := numeric_schema(option)) is not None:
            return found
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, dict):
        found = numeric_schema(items)
        return None if found is None else (found[0], (0, *found[1]))
    return None


def numeric_fields(model: BaseModel, prefix: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """(path in the raw scenario, JSON schema) of every numeric field of a validated model,
    through its sections, lists of items and mappings of items."""
    for name, info in type(model).model_fields.items():
        path = (*prefix, info.alias or name)
        found = numeric_schema(field_schema(info))
        if found is not None:
            yield (*path, *found[1]), found[0]
        value = getattr(model, name)
        items = value.items() if isinstance(value, dict) else enumerate(
            value if isinstance(value, list) else [])
        for key, item in [(None, value), *items]:
            if isinstance(item, BaseModel):
                yield from numeric_fields(item, path if key is None else (*path, key))


# run.days and run.max_parcels are bounded by the process's own limits (sim/limits.py)
UNBOUNDED_HERE = {("run", "days"), ("run", "max_parcels")}
FIELDS = [(path, schema) for path, schema in numeric_fields(Scenario.model_validate(rich_raw()))
          if path not in UNBOUNDED_HERE]


def extremes(schema: dict) -> tuple[float | None, float | None]:
    """The lowest and highest values a numeric schema accepts (None where it has no bound:
    the bounded-both-ways tests below fail first)."""
    integer = schema["type"] == "integer"
    ends: list[float | None] = []
    for inclusive, exclusive, step in (("minimum", "exclusiveMinimum", 1),
                                       ("maximum", "exclusiveMaximum", -1)):
        bound = schema.get(exclusive)
        if inclusive in schema:
            ends.append(schema[inclusive])
        elif bound is not None:
            ends.append(bound + step if integer else math.nextafter(bound, step * math.inf))
        else:
            ends.append(None)
    return ends[0], ends[1]


ENDS = [(path, value) for path, schema in FIELDS for value in extremes(schema)
        if value is not None]


def set_value(raw: dict, path: tuple, value: Any) -> None:
    target = raw
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(target, dict) else target[part]
    target[path[-1]] = value


def refused(path: tuple, value: Any) -> bool:
    """Whether the schema refuses `value` at `path` of the rich tutorial, naming that path."""
    raw = rich_raw()
    set_value(raw, path, value)
    try:
        Scenario.model_validate(raw)
    except ValidationError as error:
        return any(tuple(e["loc"][: len(path)]) == path for e in error.errors())
    return False


def test_the_rich_tutorial_runs(tmp_path):
    check_outcome(write_copy(tmp_path, rich_raw()), tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").exists()


def test_the_rich_tutorial_has_every_optional_part():
    names = {".".join(map(str, path)) for path, _ in FIELDS}
    for name in ("carriers.0.share", "demand.events.0.multiplier", "fleets.bus_village.capacity",
                 f"node_overrides.{STATION}.sort_rate_per_h", "hubs.0.fleets.collect.speed_kmh",
                 "products.1.freezer_share", "precooling.first_mile_kmh", "pickup.cv"):
        assert name in names


def huge(schema: dict) -> float:
    """A value far beyond any bound, of the schema's type (an int that parses as one)."""
    return 10**30 if schema["type"] == "integer" else 1e300


@pytest.mark.parametrize(("path", "schema"), FIELDS, ids=[".".join(map(str, p)) for p, _ in FIELDS])
def test_every_numeric_field_is_bounded_both_ways(path, schema):
    assert refused(path, huge(schema))
    assert refused(path, -huge(schema))


def numeric_columns(model: type[BaseModel]) -> list[tuple[str, dict]]:
    """(column, JSON schema) of every numeric column of a table row."""
    columns = [(info.alias or name, numeric_schema(field_schema(info)))
               for name, info in model.model_fields.items()]
    return [(column, found[0]) for column, found in columns if found is not None]


@pytest.mark.parametrize(("model", "row"), [
    (NodeRow, {"id": "X", "kind": "point", "lon": 114.0, "lat": 34.0}),
    (RoadRow, {"from": "A", "to": "B", "road_class": "village"}),
])
def test_every_numeric_column_is_bounded_both_ways(model, row):
    model.model_validate(row)
    for column, schema in numeric_columns(model):
        for value in (huge(schema), -huge(schema)):
            with pytest.raises(ValidationError):
                model.model_validate({**row, column: value})


SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(ends=st.lists(st.sampled_from(ENDS), min_size=1, max_size=3))
def test_extreme_accepted_values_run_or_are_refused(tmp_path_factory, ends):
    raw = rich_raw()
    for path, value in ends:
        set_value(raw, path, value)
    folder = tmp_path_factory.mktemp("bounds")
    check_outcome(write_copy(folder, raw), folder / "out")


def column_ends(model: type[BaseModel]) -> list[tuple[str, float]]:
    """(column, value) at each end of every numeric column of a table row."""
    return [(column, value) for column, schema in numeric_columns(model)
            for value in extremes(schema) if value is not None]


def edited_nodes(column: str, value: float, node: str = POINT) -> bytes:
    rows = list(csv.DictReader(io.StringIO(
        (CONFIGS / "tutorial" / "nodes.csv").read_text(encoding="utf-8"))))
    for row in rows:
        if row["id"] == node:
            row[column] = str(value)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


# population and the per-node values are set through node_overrides in the tests above
@pytest.mark.parametrize(("column", "value"),
                         [end for end in column_ends(NodeRow) if end[0] in ("lon", "lat")])
def test_a_village_anywhere_on_earth_runs(tmp_path, column, value):
    raw = rich_raw()
    for road_class in raw["network"]["road_classes"].values():
        road_class["speed_kmh"] = 1  # and roads as slow as allowed: legs of years
    check_outcome(write_copy(tmp_path, raw, edited_nodes(column, value)), tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize(("column", "value"), column_ends(RoadRow))
def test_roads_of_any_accepted_length_run(tmp_path, column, value):
    raw = rich_raw()
    raw["network"]["roads"] = "tutorial/roads.csv"
    path = write_copy(tmp_path, raw)
    nodes = csv.DictReader(io.StringIO((tmp_path / "tutorial" / "nodes.csv").read_text(
        encoding="utf-8")))
    roads = ["from,to,road_class," + column] + [
        f"{row['id']},{row['parent']},county,{value}" for row in nodes if row["parent"]]
    (tmp_path / "tutorial" / "roads.csv").write_text("\n".join(roads) + "\n", encoding="utf-8")
    check_outcome(path, tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize(("field", "value"), [
    ("fleets.village.capacity", 10**21),
    ("pickup.mean_delay_h", 1e308),
])
def test_values_that_broke_the_run_are_refused_by_validate(scenario_copy, field, value):
    path = tuple(field.split("."))
    outcome = RUNNER.invoke(app, ["validate", str(scenario_copy(
        lambda raw: set_value(raw, path, value)))])
    assert outcome.exit_code == 2, outcome.output
    assert field in outcome.output and "less than or equal to" in outcome.output


@pytest.mark.parametrize("field", ["fleets.village.capacity", "pickup.mean_delay_h"])
def test_the_largest_accepted_value_runs(tmp_path, field):
    path = tuple(field.split("."))
    highest = extremes(dict(FIELDS)[path])[1]
    raw = base_raw()
    set_value(raw, path, highest)
    check_outcome(write_copy(tmp_path, raw), tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").exists()



def test_a_pickup_at_once_is_never_before_the_parcel_arrives():
    """A resident's uniform of 0 gives a delay of 0 open hours, whatever the mean; at a
    shelf that is closed when the parcel arrives, that reading of the opening clock is
    the evening's closing, hours before the parcel came."""
    parcels = 2
    zeros = np.zeros(parcels, dtype=np.int32)
    ledger = Ledger(Parcels(created=np.zeros(parcels), flow=zeros.astype(np.int8),
                            origin=zeros, destination=zeros,
                            u_pickup=np.zeros(parcels, dtype=np.float32),
                            u_door=np.ones(parcels, dtype=np.float32)))  # both on the shelf
    delay = PickupDelay(Pickup(mean_delay_h=6.0))
    shelves = Shelves(ledger, [10.0], [DailyClock([(8.0, 20.0)])], delay, 0.0, 1.0)
    shelves.reserve(np.array([parcels]))
    shelves.drop_later(np.arange(parcels), 0, 22.0)  # closed since 20:00
    shelves.flush(21.0)
    assert shelves.waiting_after(21.0) == parcels
    assert ledger.times["done"].tolist() == [22.0, 22.0]


def with_season(season: object) -> dict:
    raw = rich_raw()
    raw["products"][0]["season"] = season
    return raw


@pytest.mark.parametrize("season", [
    ["02-30", "03-10"], [[2, 30], [3, 10]], [[2, 30], "03-10"], [[13, 1], [3, 10]],
    [[3, 0], [3, 10]], [[3, 1.5], [3, 10]], [[True, 1], [3, 10]], [[3, 1, 1], [3, 10]],
    [["03", "x"], [3, 10]],
])
def test_a_season_is_checked_alike_in_either_form(season):
    with pytest.raises(ValidationError, match=r"products\.0\.season"):
        Scenario.model_validate(with_season(season))


def test_a_season_in_either_form_means_the_same(tmp_path):
    pairs = Scenario.model_validate(with_season([[3, 3], [4, 20]]))
    text = Scenario.model_validate(with_season(["03-03", "04-20"]))
    assert pairs == text
    # the run starts on 03-02: out of season on day 0, in season on day 1
    assert in_season(pairs.products[0], pairs.run).tolist() == [False, True]
    made = []
    for index, season in enumerate(([[3, 3], [4, 20]], [["03", "03"], ["04", "20"]])):
        folder = tmp_path / str(index)
        folder.mkdir()
        check_outcome(write_copy(folder, with_season(season)), folder / "out")
        lots = pd.read_parquet(folder / "out" / "lots.parquet")
        made.append(lots[lots["product"] == "mushroom"])
    pd.testing.assert_frame_equal(made[0], made[1])
    assert len(made[0]) > 0
    assert (made[0]["created_h"] >= 24).all()  # nothing on day 0, before the season


@SETTINGS
@given(ends=st.lists(st.sampled_from(ENDS), max_size=3))
def test_a_written_scenario_reads_back_the_same(tmp_path_factory, ends):
    raw = with_season([[11, 20], [2, 29]])  # across the new year, on a leap day
    for path, value in ends:
        set_value(raw, path, value)
    folder = tmp_path_factory.mktemp("written")
    try:
        scenario = load_scenario(write_copy(folder, raw))
    except ScenarioError:
        return  # refused, as the run would be: nothing is written
    written = folder / "written.yaml"
    written.write_text(dump_yaml(scenario_document(scenario)), encoding="utf-8")
    tables = {"network": {"nodes"}}  # written as absolute paths
    assert load_scenario(written).config.model_dump(exclude=tables) == \
        scenario.config.model_dump(exclude=tables)


def test_a_time_off_the_minute_is_written_back_as_given():
    fleet = {"vehicles": 1, "capacity": 10, "speed_kmh": 30,
             "departures": [8.123, 23.9999, "16:20"], "service_window": [6.05, 23.99]}
    written = Fleet.model_validate(fleet).model_dump(mode="json")
    assert written["departures"] == [8.123, "16:20", 23.9999]
    assert Fleet.model_validate(written) == Fleet.model_validate(fleet)
