"""Bad input ends with exit code 2 and a message naming file, field and problem."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def check_rejected(path, *fragments: str, args: tuple[str, ...] = ()) -> str:
    result = runner.invoke(app, ["validate", str(path), *args])
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in output, output
    return output


def test_malformed_yaml(scenario_copy, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nrun: [unclosed\n", encoding="utf-8")
    check_rejected(path, "broken.yaml", "line 3", "malformed YAML")


def test_wrong_type(scenario_copy):
    path = scenario_copy(lambda raw: raw["fleets"]["village"].update(capacity="lots"))
    check_rejected(path, "scenario.yaml", "fleets.village.capacity", "valid integer")


def test_unknown_key(scenario_copy):
    path = scenario_copy(lambda raw: raw["pickup"].update(mean_delay_days=1))
    check_rejected(path, "scenario.yaml", "pickup.mean_delay_days", "unknown key")


def test_reference_to_a_missing_node(scenario_copy):
    path = scenario_copy(nodes=lambda text: text.replace(
        "V410222101200,竖岗村民委员会,point,S410222101", "V410222101200,竖岗村民委员会,point,S999"))
    check_rejected(path, "nodes.csv", "id V410222101200", "parent", "unknown node 'S999'")


def test_village_with_no_road_to_its_station(scenario_copy):
    def explicit_roads(raw):
        raw["network"]["roads"] = "tutorial/roads.csv"

    path = scenario_copy(explicit_roads)
    nodes = (path.parent / "tutorial" / "nodes.csv").read_text(encoding="utf-8").splitlines()
    rows = [line.split(",") for line in nodes[1:]]
    # every node joined to its parent, except one village
    lines = ["from,to,road_class"] + [
        f"{row[0]},{row[3]},county" for row in rows if row[3] and row[0] != "V410222101203"
    ]
    (path.parent / "tutorial" / "roads.csv").write_text("\n".join(lines), encoding="utf-8")
    check_rejected(path, "roads.csv", "node V410222101203",
                   "no road links this point to its station S410222101")


def test_negative_capacity(scenario_copy):
    path = scenario_copy(lambda raw: raw["facilities"]["point"].update(shelf_slots=-10))
    check_rejected(path, "facilities.point.shelf_slots", "greater than or equal to 0")


def test_negative_capacity_in_the_node_table(scenario_copy):
    def negative(text: str) -> str:
        lines = text.splitlines()
        lines[0] += ",shelf_slots"
        lines = [lines[0]] + [line + ("," if i != 10 else ",-3") for i, line in
                              enumerate(lines[1:], start=1)]
        return "\n".join(lines) + "\n"

    check_rejected(scenario_copy(nodes=negative), "nodes.csv", "line 11", "shelf_slots",
                   "greater than or equal to 0")


def test_missing_file(tmp_path):
    check_rejected(tmp_path / "nowhere.yaml", "nowhere.yaml", "file not found")


def test_non_utf8_bytes(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    check_rejected(path, "latin.yaml", "not UTF-8")


def test_bad_set_on_the_run_command(tmp_path):
    result = runner.invoke(app, ["run", "configs/tutorial.yaml", "--set",
                                 "fleets.trunk.speed_kmh=0", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "--set fleets.trunk.speed_kmh=0" in result.output
    assert "greater than or equal to 1" in result.output  # km/h: a speed near 0 never arrives
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["validate"], ["run"]])
def test_real_process_exit_code_and_no_traceback(scenario_copy, command, tmp_path):
    path = scenario_copy(lambda raw: raw["fleets"]["village"].update(capacity=-1))
    process = subprocess.run(
        [sys.executable, "-m", "sim", *command, str(path), *(["--out", str(tmp_path / "o")]
                                                              if command == ["run"] else [])],
        capture_output=True, text=True, timeout=120,
    )
    assert process.returncode == 2
    assert "Traceback" not in process.stderr + process.stdout
    assert "fleets.village.capacity" in process.stderr


GOODS_BASE = {
    "name": "base", "role": "cold_chain_base", "lon": 114.47, "lat": 34.5,
    "serves": ["通许县"], "handling_per_h": 40, "cold_storage_pallets": 100,
    "fleets": {"line_haul": {"vehicles": 1, "capacity_pallets": 10, "departures": ["08:00"]}},
}
MUSHROOM = {
    "name": "mushroom", "unit": "kg", "units_per_pallet": 300, "kg_per_unit": 1,
    "chain": "chilled", "shelf_life_ambient_h": 36, "shelf_life_cold_h": 144, "flow": "up",
    "counties": ["通许县"], "per_day": 100,
}


def with_goods(hub: dict, product: dict):
    def edit(raw):
        raw["hubs"] = [hub]
        raw["products"] = [product]
    return edit


def test_goods_from_an_unknown_county(scenario_copy):
    path = scenario_copy(with_goods(GOODS_BASE, {**MUSHROOM, "counties": ["Atlantis"]}))
    check_rejected(path, "scenario.yaml", "products.0.counties", "unknown county 'Atlantis'")


def test_a_base_serving_an_unknown_county(scenario_copy):
    path = scenario_copy(with_goods({**GOODS_BASE, "serves": ["杞县"]}, MUSHROOM))
    check_rejected(path, "scenario.yaml", "hubs.0.serves", "unknown county '杞县'")


def test_farm_products_need_a_collection_fleet(scenario_copy):
    path = scenario_copy(with_goods(GOODS_BASE, MUSHROOM))
    check_rejected(path, "scenario.yaml", "hubs.0.fleets.collect", "required")


def test_a_harvest_season_must_be_a_real_date(scenario_copy):
    path = scenario_copy(with_goods(GOODS_BASE, {**MUSHROOM, "season": ["02-30", "03-10"]}))
    check_rejected(path, "scenario.yaml", "products.0.season", "day is out of range")


def test_a_cold_chain_base_must_serve_a_county(scenario_copy):
    path = scenario_copy(with_goods({**GOODS_BASE, "serves": []}, MUSHROOM))
    check_rejected(path, "scenario.yaml", "hubs.0", "must list the counties it `serves`")
