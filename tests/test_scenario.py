"""Scenario loading: typed fields, safe YAML, tables, overrides."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.yamlio import dump_yaml, emits_alike, parse_yaml_text

from .conftest import KAIFENG, TUTORIAL


def test_shipped_scenarios_load():
    tutorial = load_scenario(TUTORIAL)
    assert tutorial.config.fleets.village.departures == [11.0, 16.0]
    assert len(tutorial.nodes) == 39
    kaifeng = load_scenario(KAIFENG)
    counts = kaifeng.nodes["kind"].value_counts().to_dict()
    assert counts == {"point": 2137, "station": 88, "park": 5, "hub": 1, "gateway": 1}
    assert kaifeng.nodes["population"].sum() == 3_760_574  # 2020 census, five rural units


def test_clock_times_are_not_base_60_integers():
    # plain PyYAML reads 14:00 as 840; the scenario loader keeps it a time
    assert parse_yaml_text("t: 14:00", "x")["t"] == "14:00"
    assert parse_yaml_text("n: 12\nf: 1.5\ne: 1e3", "x") == {"n": 12, "f": 1.5, "e": 1000.0}


def test_duplicate_keys_are_errors():
    with pytest.raises(ScenarioError, match="duplicate key 'days'"):
        parse_yaml_text("run:\n  days: 3\n  days: 4\n", "dup.yaml")


def test_yaml_builds_no_python_objects():
    with pytest.raises(ScenarioError, match="explicit YAML tags"):
        parse_yaml_text("x: !!python/object/apply:os.system ['echo hi']", "evil.yaml")


def test_overrides_are_typed_by_the_schema():
    scenario = load_scenario(TUTORIAL, [
        "demand.multiplier=1.9",
        "fleets.village.vehicles=3",
        "fleets.village.departures=[08:00, 12:30]",
        "node_overrides.V410222101200.shelf_slots=5",
    ])
    config = scenario.config
    assert config.demand.multiplier == 1.9
    assert config.fleets.village.vehicles == 3
    assert config.fleets.village.departures == [8.0, 12.5]
    nodes = scenario.nodes.set_index("id")
    assert nodes.loc["V410222101200", "shelf_slots"] == 5


@pytest.mark.parametrize(("override", "field", "problem"), [
    ("fleets.village.vehicles=many", "fleets.village.vehicles", "valid integer"),
    ("fleets.village.capacity=-5", "fleets.village.capacity", "greater than or equal to 1"),
    ("fleets.village.wheels=4", "fleets.village.wheels", "unknown key"),
    ("fleets.village.departures=[25:00]", "fleets.village.departures.0", "outside"),
    ("run.warmup_days=9", "run", "warmup_days (9) must be below days (7)"),
    ("demand.multiplier=.nan", "demand.multiplier", "finite number"),
    ("node_overrides.NOPE.shelf_slots=3", "node_overrides.NOPE", "unknown node 'NOPE'"),
])
def test_bad_overrides_name_the_field(override, field, problem):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(TUTORIAL, [override])
    message = caught.value.message
    assert field in message
    assert problem in message


def test_override_path_must_be_a_section():
    with pytest.raises(ScenarioError, match="is not a section"):
        load_scenario(TUTORIAL, ["demand.multiplier.x=1"])


def test_node_values_only_on_their_kind():
    with pytest.raises(ScenarioError, match="only a point has shelf_slots"):
        load_scenario(TUTORIAL, ["node_overrides.S410222101.shelf_slots=3"])


def test_departures_per_day_spread_over_the_service_window():
    config = load_scenario(TUTORIAL, ["fleets.village.departures_per_day=3",
                                      "fleets.village.service_window=08:00-18:00"]).config
    assert config.fleets.village.departures == [8.0, 13.0, 18.0]
    config = load_scenario(TUTORIAL, ["fleets.trunk.departures_per_day=4",
                                      "fleets.trunk.service_window=00:00-24:00"]).config
    assert config.fleets.trunk.departures == [0.0, 6.0, 12.0, 18.0]
    with pytest.raises(ScenarioError, match=r"fleets\.village: .*departures_per_day"):
        load_scenario(TUTORIAL, ["fleets.village.departures=[]"])


def test_opening_hours_per_node_from_the_table(scenario_copy):
    def with_column(text: str) -> str:
        lines = text.splitlines()
        lines[0] += ",opening_hours"
        body = [line + (",09:00-12:00;14:00-17:00" if line.startswith("V410222101200") else ",")
                for line in lines[1:]]
        return "\n".join([lines[0], *body]) + "\n"

    nodes = load_scenario(scenario_copy(nodes=with_column)).nodes.set_index("id")
    assert nodes.loc["V410222101200", "opening_hours"] == [(9.0, 12.0), (14.0, 17.0)]
    assert nodes.loc["V410222101201", "opening_hours"] is None


def test_overrides_reach_into_lists():
    raw_events = "demand.events=[{name: peak, start: 2026-03-03, end: 2026-03-04, multiplier: 2}]"
    config = load_scenario(TUTORIAL, [raw_events, "demand.events.0.multiplier=1.5"]).config
    assert config.demand.events[0].multiplier == 1.5
    with pytest.raises(ScenarioError, match="no item 3 in a list of 1"):
        load_scenario(TUTORIAL, [raw_events, "demand.events.3.multiplier=1.5"])
    with pytest.raises(ScenarioError, match=r"expected dotted\.path=value"):
        load_scenario(TUTORIAL, ["demand.multiplier"])


_YAML_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=70), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=70), _YAML_DATA, max_size=5))
def test_scenario_yaml_is_written_as_pyyaml_writes_it(data):
    # dump_yaml uses libyaml's emitter only where it writes the same bytes as PyYAML's
    assert dump_yaml(data) == yaml.dump(data, Dumper=yaml.SafeDumper, allow_unicode=True,
                                        sort_keys=False, width=100)


def test_scenario_yaml_uses_libyaml_only_for_plain_text():
    assert emits_alike({"name": "开封 Kaifeng", "days": 30, "shares": [0.5, None, True]})
    assert not emits_alike({"name": "a\x07bell"})
    assert not emits_alike({"k" * 64: 1})  # long keys are written differently
    assert not emits_alike({"icon": "\U0001F69A"})  # beyond the basic plane
