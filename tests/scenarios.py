"""Random small valid scenarios for property-based tests (hypothesis strategies)."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

from hypothesis import strategies as st

from sim.scenario import LoadedScenario, scenario_from_dict

HOURS = st.integers(0, 23).map(lambda h: f"{h:02d}:00")


@st.composite
def windows(draw) -> list[str]:
    start = draw(st.integers(0, 12))
    length = draw(st.integers(4, 24 - start))
    return [f"{start:02d}:00-{start + length:02d}:00"]


@st.composite
def fleets(draw, capacity: tuple[int, int]) -> dict:
    return {
        "vehicles": draw(st.integers(1, 3)),
        "capacity": draw(st.integers(*capacity)),
        "speed_kmh": draw(st.sampled_from([30, 60, 80])),
        "departures": sorted(set(draw(st.lists(HOURS, min_size=1, max_size=4)))),
        "dispatch": draw(st.sampled_from(["cutoff", "cutoff_or_full"])),
        "load_h": draw(st.sampled_from([0.0, 0.2])),
        "load_s_per_parcel": draw(st.sampled_from([0.0, 2.0])),
        "stop_h": draw(st.sampled_from([0.0, 0.1])),
        "stop_s_per_parcel": draw(st.sampled_from([0.0, 5.0])),
        "cost_per_km": 1.0,
    }


@st.composite
def node_rows(draw) -> list[str]:
    rows = ["GW,Gateway,gateway,,,114.0,34.5,0", "HUB,Hub,hub,GW,,114.2,34.5,0"]
    for p in range(draw(st.integers(1, 2))):
        rows.append(f"P{p},Park {p},park,HUB,C{p},{114.3 + 0.1 * p},34.5,"
                    f"{draw(st.integers(0, 3000))}")
        for s in range(draw(st.integers(1, 3))):
            station = f"S{p}{s}"
            rows.append(f"{station},Station,station,P{p},,{114.3 + 0.1 * p + 0.03 * s},"
                        f"{34.45 + 0.04 * s},{draw(st.integers(0, 2000))}")
            for v in range(draw(st.integers(0, 5))):
                lon = 114.3 + 0.1 * p + 0.03 * s + draw(st.floats(-0.03, 0.03))
                lat = 34.45 + 0.04 * s + draw(st.floats(-0.03, 0.03))
                rows.append(f"V{p}{s}{v},Village,point,{station},,{lon:.5f},{lat:.5f},"
                            f"{draw(st.integers(0, 2000))}")
    return rows


@st.composite
def scenarios(draw) -> tuple[dict, list[str]]:
    """(raw YAML mapping, node CSV rows) of a small valid scenario."""
    days = draw(st.integers(2, 4))
    raw = {
        "name": "random",
        "run": {"start_date": "2026-03-02", "days": days,
                "warmup_days": draw(st.integers(0, days - 1)),
                "drain_days": draw(st.sampled_from([0, 1, 2])),
                "seed": draw(st.integers(0, 10_000))},
        "network": {"nodes": "nodes.csv",
                    "travel_noise_cv": draw(st.sampled_from([0.0, 0.2]))},
        "facilities": {
            "hub": {"rate_per_h": draw(st.integers(50, 2000)), "shifts": draw(windows())},
            "park": {"rate_per_h": draw(st.integers(20, 500)), "shifts": draw(windows())},
            "station": {"rate_per_h": draw(st.integers(5, 200)), "shifts": draw(windows()),
                        "opening_hours": draw(windows())},
            "point": {"shelf_slots": draw(st.integers(0, 40)),
                      "opening_hours": draw(windows())},
        },
        "fleets": {
            "trunk": draw(fleets((50, 2000))),
            "line_haul": draw(fleets((20, 1000))),
            "township": draw(fleets((5, 300))),
            "village": draw(fleets((1, 60))),
            "courier": {**draw(fleets((1, 60))), "round_h": draw(st.sampled_from([0.5, 2]))},
        },
        "demand": {
            "multiplier": draw(st.sampled_from([0.5, 1.0, 2.0])),
            "down_per_resident_day": 0.04,
            "up_per_resident_day": draw(st.sampled_from([0.0, 0.01])),
            "down_profile": [1] * 24,
            "up_profile": [0] * 8 + [1] * 12 + [0] * 4,
        },
        "pickup": {"mean_delay_h": draw(st.sampled_from([1.0, 6.0])),
                   "distribution": draw(st.sampled_from(["exponential", "lognormal",
                                                         "fixed"])),
                   "door_share": draw(st.sampled_from([0.0, 0.3, 1.0]))},
        "targets": {"down_h": {"park": 24, "station": 36, "point": 48},
                    "up_h": {"park": 24, "station": 36, "point": 48}},
    }
    return raw, draw(node_rows())


@contextmanager
def materialised(raw: dict, rows: list[str], overrides: list[str] = ()):
    """The scenario written to a temporary folder and loaded."""
    with tempfile.TemporaryDirectory() as folder:
        header = "id,name,kind,parent,county,lon,lat,population"
        Path(folder, "nodes.csv").write_text("\n".join([header, *rows]) + "\n",
                                             encoding="utf-8")
        scenario: LoadedScenario = scenario_from_dict(raw, Path(folder) / "scenario.yaml",
                                                      overrides)
        yield scenario


@st.composite
def freight_fleets(draw, refrigerated: bool = True) -> dict:
    return {
        "vehicles": draw(st.integers(0, 3)),
        "capacity_pallets": draw(st.sampled_from([0.5, 2, 6])),
        "refrigerated": refrigerated if refrigerated else draw(st.booleans()),
        "departures": sorted(set(draw(st.lists(HOURS, min_size=1, max_size=3)))),
        "speed_kmh": draw(st.sampled_from([30, 60])),
        "stop_h": draw(st.sampled_from([0.0, 0.5])),
    }


@st.composite
def goods(draw, counties: list[str]) -> dict:
    """Hubs and products for a scenario whose parks carry `counties` (C0, C1, ...)."""
    life = st.one_of(st.none(), st.sampled_from([0.0, 6.0, 48.0]))
    base = {"name": "base", "role": "cold_chain_base", "lon": 114.3, "lat": 34.6,
            "serves": counties, "handling_per_h": draw(st.sampled_from([1, 20])),
            "cold_storage_pallets": draw(st.sampled_from([0, 3, 50])),
            "fleets": {"line_haul": draw(freight_fleets()), "collect": draw(freight_fleets()),
                       "distribute": draw(freight_fleets())}}
    port = {"name": "port", "role": "land_port", "lon": 114.1, "lat": 34.7,
            "handling_per_h": draw(st.sampled_from([1, 20])),
            "fleets": {"line_haul": draw(freight_fleets(refrigerated=False))}}
    farm = {"name": "farm", "unit": "kg", "units_per_pallet": 100, "kg_per_unit": 1,
            "chain": "chilled", "shelf_life_ambient_h": draw(life),
            "shelf_life_cold_h": draw(st.sampled_from([24.0, 200.0])), "flow": "up",
            "counties": counties, "per_day": draw(st.sampled_from([10, 150]))}
    frozen = {"name": "frozen", "unit": "kg", "units_per_pallet": 200, "kg_per_unit": 1,
              "chain": "frozen", "shelf_life_ambient_h": draw(life),
              "shelf_life_cold_h": 1000.0, "flow": "down", "counties": counties,
              "per_day": draw(st.sampled_from([20, 300])), "freezer_share": 0.5,
              "window": "00:00-24:00"}
    freight = {"name": "freight", "unit": "pallet", "units_per_pallet": 1, "kg_per_unit": 500,
               "chain": "ambient", "shelf_life_ambient_h": None,
               "flow": draw(st.sampled_from(["out", "in"])), "hubs": ["port"],
               "per_day": draw(st.sampled_from([1, 10]))}
    return {"hubs": [base, port], "products": [farm, frozen, freight],
            "precooling": {"at": draw(st.sampled_from(["station", "park"])),
                           "pallets": draw(st.sampled_from([0, 1, 10])),
                           "hours": draw(st.sampled_from([0.0, 3.0]))}}
