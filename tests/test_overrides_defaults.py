"""An override changes the key it names and nothing else: setting any field to the value it
already has, written in the file or left to its default, changes no number of the run."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from sim import api
from sim.results.jsonable import json_ready
from sim.scenario import load_scenario
from sim.scenario.overrides import schema_default
from sim.scenario.yamlio import dump_yaml, read_yaml

from .conftest import TUTORIAL

SHORT = ["run.days=2", "run.warmup_days=0", "run.drain_days=1"]
GOODS = {
    "carriers": [{"name": "post", "share": 1}, {"name": "zto", "share": 2}],
    "hubs": [{
        "name": "base", "role": "cold_chain_base", "lon": 114.47, "lat": 34.5,
        "serves": ["通许县"], "handling_per_h": 40, "cold_storage_pallets": 100,
        "fleets": {"line_haul": {"vehicles": 1, "capacity_pallets": 10, "departures": ["08:00"]},
                   "collect": {"vehicles": 2, "capacity_pallets": 6,
                               "departures": ["09:00", "15:00"]}},
    }],
    "products": [{
        "name": "mushroom", "unit": "kg", "units_per_pallet": 300, "kg_per_unit": 1,
        "chain": "chilled", "shelf_life_ambient_h": 36, "shelf_life_cold_h": 144,
        "flow": "up", "counties": ["通许县"], "per_day": 100,
    }],
}


@cache
def goods_scenario(folder: str) -> Path:
    raw = read_yaml(TUTORIAL)
    raw.update(GOODS)
    raw["network"]["nodes"] = str(TUTORIAL.parent / raw["network"]["nodes"])
    path = Path(folder) / "goods.yaml"
    path.write_text(dump_yaml(raw), encoding="utf-8")
    return path


def scalar_fields(data, prefix: tuple[str, ...] = ()):
    """Every scalar of a scenario as run, by dotted path (list items by name)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from scalar_fields(value, (*prefix, key))
    elif isinstance(data, list):
        if all(isinstance(item, dict) and "name" in item for item in data):
            for item in data:
                yield from scalar_fields(item, (*prefix, item["name"]))
    else:
        yield ".".join(prefix), data


def summary_text(config: Path, overrides: list[str]) -> str:
    results = api.run(load_scenario(config, [*SHORT, *overrides]))
    return json.dumps(json_ready(results.summary), ensure_ascii=False, indent=2)


@cache
def baseline(config: Path) -> tuple[str, dict]:
    scenario = load_scenario(config, SHORT)
    return summary_text(config, []), dict(scalar_fields(scenario.config.model_dump(mode="json")))


def fields_of(config: Path) -> list[str]:
    return sorted(baseline(config)[1])


@pytest.mark.parametrize("field", fields_of(TUTORIAL))
def test_setting_a_field_to_its_own_value_changes_no_number(field):
    text, values = baseline(TUTORIAL)
    assert summary_text(TUTORIAL, [f"{field}={json.dumps(values[field])}"]) == text


def test_the_same_holds_with_goods_and_carriers(tmp_path_factory):
    config = goods_scenario(str(tmp_path_factory.mktemp("goods")))
    text, values = baseline(config)
    listed = [name for name in values if name.startswith(("hubs.", "products.", "carriers."))]
    assert len(listed) > 30
    for field in sorted(values):
        assert summary_text(config, [f"{field}={json.dumps(values[field])}"]) == text, field


def test_an_override_into_a_default_section_keeps_the_other_defaults():
    defaults = schema_default(["network", "road_classes"])
    scenario = load_scenario(TUTORIAL, ["network.road_classes.village.speed_kmh=25"])
    classes = scenario.config.network.road_classes
    assert classes["village"].speed_kmh == 25
    assert {name: c.speed_kmh for name, c in classes.items() if name != "village"} == {
        name: c["speed_kmh"] for name, c in defaults.items() if name != "village"}
    links = load_scenario(TUTORIAL, ["network.derive.link_classes.point=county"])
    assert links.config.network.derive.link_classes == {
        **schema_default(["network", "derive", "link_classes"]), "point": "county"}
