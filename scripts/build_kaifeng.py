"""Build the node table of Kaifeng's rural express network (configs/kaifeng/nodes.csv).

Why this script exists: the only free data for Kaifeng are the NBS 2021 division tree, the 2020
census per county, the county seats and simplified county polygons (see
configs/kaifeng/source/SOURCES.md). Township and village coordinates and populations do not
exist in any free source, so they are generated here by a seeded, documented rule. Everything
the simulator needs for the default scenario is derived from the source files by this one
script, so the table can be rebuilt and audited.

Rows: GW (gateway) -> HUB (Kaifeng distribution centre) -> one park per county (P<code>)
-> one station per township (S<code>) -> one point per village committee (V<code>), for the five
rural county-level units 祥符区, 杞县, 通许县, 尉氏县, 兰考县. Every row below the hub carries
its county's name as planners write it (杞县, not a transliteration) in `county`, the name
scenarios use for it (a base's `serves`, a product's `counties`, `operations.counties`).

Population rule (per county; P = census population 2020, u = urban share 2020):
  U = u * P urban residents, R = (1 - u) * P rural residents.
  Seat townships are the county's own 街道 (township code suffix 001-099, or a name ending
  in 街道: NBS codes some of Zhengzhou's 5xx); a county without
  any (祥符区) uses the township whose name starts with 城关, and one without that either its
  first township in code order (NBS lists the seat town first). If that marks every township
  (a district made only of 街道), the seat townships are those without village committees
  (the first township, if every one has some). Townships of a functional zone folded into the
  county (scripts/build_henan.py; their codes do not start with the county's code) are never
  seat townships. Kaifeng's five units all have 街道 or a 城关 township.
  The park gets SEAT_SHARE * U (county-seat residents served from the park directly).
  The remaining (1 - SEAT_SHARE) * U goes to the non-seat township stations, in proportion to
  each township's number of village-level units (communities + villages); seat-township
  stations get 0 (their urban residents are counted in the park).
  R is split equally over the county's village committees (points).
  Largest-remainder rounding makes park + stations + points sum exactly to P per county.

Position rule (local equirectangular projection in km, origin at the county seat):
  Parks sit at the real county seat (counties.csv). Seat-township stations are uniform within
  SEAT_RADIUS_KM of the seat, inside the county polygon. The other stations use Mitchell's
  best-candidate sampling in the county polygon, township code order: STATION_CANDIDATES
  uniform candidates, keep the one farthest from the seat and the stations already placed.
  Villages lie in the county polygon inside their township's Voronoi cell (their own station is
  the nearest station of the county), by rejection sampling from the bounding box of that cell,
  with best-candidate selection (VILLAGE_CANDIDATES candidates, farthest from the station and
  the township's villages already placed). If MAX_REJECTION_DRAWS draws find no point in the
  cell, the village falls back to a uniform point within FALLBACK_RADIUS_KM of its station,
  inside the polygon. A seat-township station whose disk holds no point of the polygon in
  MAX_REJECTION_DRAWS draws (a seat outside or at the edge of its polygon) goes to the point
  of the polygon nearest the seat, SNAP_INSET_KM inside it; Kaifeng's seats never need it.

Randomness: numpy.random.default_rng(seed) spawns one child generator per county (fixed county
order), so the same seed gives a byte-identical CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO / "configs" / "kaifeng" / "source"
DEFAULT_OUT = REPO / "configs" / "kaifeng" / "nodes.csv"
DEFAULT_SEED = 2021

COUNTY_CODES = ("410212", "410221", "410222", "410223", "410225")
HEADER = (
    "id",
    "name",
    "kind",
    "parent",
    "county",
    "lon",
    "lat",
    "population",
    "code",
    "position_source",
)

SEAT_SHARE = 0.5
SEAT_RADIUS_KM = 3.0
STATION_CANDIDATES = 30
VILLAGE_CANDIDATES = 20
MAX_REJECTION_DRAWS = 2000
REJECTION_BATCH = 250
FALLBACK_RADIUS_KM = 1.5
SNAP_INSET_KM = 0.2
EARTH_RADIUS_KM = 6371.0088

GATEWAY = ("GW", "郑州省级快递物流枢纽", "gateway", "", "", 113.840, 34.530)
HUB = ("HUB", "开封区域商贸物流中心", "hub", "GW", "", 114.340, 34.740)

Points = NDArray[np.float64]


@dataclass(frozen=True)
class Township:
    """One township (乡镇/街道/园区/农场) with its village-level units."""

    code: str
    name: str
    n_units: int
    villages: tuple[tuple[str, str], ...]  # (code, name) of village committees only


@dataclass(frozen=True)
class County:
    """One county-level unit with the census and geometry it needs."""

    code: str
    name: str
    population: int
    urban_share: float
    seat_lon: float
    seat_lat: float
    polygon: BaseGeometry
    townships: tuple[Township, ...]
    seat_source: str = "real"  # the park's position_source: "real", or "snapped" into polygon


@dataclass(frozen=True)
class Projection:
    """Local equirectangular projection (km) around an origin; fine at county scale."""

    lon0: float
    lat0: float

    def to_km(self, lonlat: Points) -> Points:
        """Project (n, 2) lon/lat degrees to (n, 2) x/y km."""
        k = np.deg2rad(1.0) * EARTH_RADIUS_KM
        x = (lonlat[:, 0] - self.lon0) * k * np.cos(np.deg2rad(self.lat0))
        y = (lonlat[:, 1] - self.lat0) * k
        return np.column_stack([x, y])

    def to_lonlat(self, xy: Points) -> Points:
        """Invert to_km."""
        k = np.deg2rad(1.0) * EARTH_RADIUS_KM
        lon = self.lon0 + xy[:, 0] / (k * np.cos(np.deg2rad(self.lat0)))
        lat = self.lat0 + xy[:, 1] / k
        return np.column_stack([lon, lat])


# ---------------------------------------------------------------- loading


def is_village_committee(code: str) -> bool:
    """NBS urban-rural code: suffix 200-399 marks a village committee (村委会)."""
    return 200 <= int(code[-3:]) <= 399


def load_townships(tree: dict[str, dict[str, str]], county_code: str) -> tuple[Township, ...]:
    """Read a county's townships in code order, keeping village committees as points."""
    townships = []
    for t_code in sorted(tree[county_code]):
        units = tree.get(t_code, {})
        villages = tuple((v, units[v]) for v in sorted(units) if is_village_committee(v))
        townships.append(Township(t_code, tree[county_code][t_code], len(units), villages))
    return tuple(townships)


def read_table(source: Path) -> pd.DataFrame:
    """counties.csv indexed by county code."""
    return pd.read_csv(source / "counties.csv", dtype={"code": str}).set_index("code")


def read_polygons(source: Path) -> dict[str, BaseGeometry]:
    """County polygons of districts.geojson by county code (gb is "156" + code)."""
    geo = json.loads((source / "districts.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["gb"][3:]: shape(f["geometry"]) for f in geo["features"]}


def load_county(
    code: str,
    table: pd.DataFrame,
    tree: dict[str, dict[str, str]],
    polygons: dict[str, BaseGeometry],
    city: str = "4102",
) -> County:
    """Join one county's counties.csv row, its city's division tree and its polygon."""
    row = table.loc[code]
    if tree[city][code] != row["name"]:
        raise ValueError(f"name mismatch for {code}: {tree[city][code]} vs {row['name']}")
    return County(
        code=code,
        name=str(row["name"]),
        population=int(row["population_2020"]),
        urban_share=float(row["urban_share_2020"]),
        seat_lon=float(row["seat_lon"]),
        seat_lat=float(row["seat_lat"]),
        polygon=polygons[code],
        townships=load_townships(tree, code),
    )


def load_counties(source: Path) -> list[County]:
    """Join counties.csv, the division tree and the polygons for the five rural units."""
    table = read_table(source)
    tree = json.loads((source / "admin_tree_2021.json").read_text(encoding="utf-8"))
    polygons = read_polygons(source)
    return [load_county(code, table, tree, polygons) for code in COUNTY_CODES]


# ---------------------------------------------------------------- population


def seat_flags(townships: tuple[Township, ...], county_code: str = "") -> list[bool]:
    """Mark seat townships among the county's own (code starting with county_code): 街道
    (suffix 001-099, or a name ending in 街道: NBS codes some 5xx), else the one named
    城关*, else the first; if that marks all of them, those without village committees
    (else the first). Rule in the module docstring."""
    own = [t.code.startswith(county_code) for t in townships]
    if not any(own):
        raise ValueError(f"no township of county {county_code}")
    first = [i == own.index(True) for i in range(len(townships))]
    flags = [o and (1 <= int(t.code[-3:]) <= 99 or t.name.endswith("街道"))
             for t, o in zip(townships, own, strict=True)]
    if not any(flags):
        flags = [o and t.name.startswith("城关") for t, o in zip(townships, own, strict=True)]
    if not any(flags):
        flags = first
    if sum(own) > 1 and all(f for f, o in zip(flags, own, strict=True) if o):
        flags = [o and not t.villages for t, o in zip(townships, own, strict=True)]
        flags = flags if any(flags) else first
    return flags


def largest_remainder(shares: NDArray[np.float64], total: int) -> NDArray[np.int64]:
    """Round non-negative shares to integers summing exactly to total (Hamilton method)."""
    scaled = shares * (total / shares.sum())
    base = np.floor(scaled).astype(np.int64)
    missing = total - int(base.sum())
    if not 0 <= missing <= len(shares):
        raise ValueError("largest-remainder rounding out of range")
    order = np.argsort(-(scaled - base), kind="stable")
    base[order[:missing]] += 1
    return base


def county_population(county: County) -> tuple[int, list[int], list[list[int]]]:
    """Split the census population into park, station and point figures (rule in docstring)."""
    urban = county.urban_share * county.population
    rural = county.population - urban
    seats = seat_flags(county.townships, county.code)
    units = np.array(
        [0 if s else t.n_units for t, s in zip(county.townships, seats, strict=True)], dtype=float
    )
    station_shares = (1 - SEAT_SHARE) * urban * units / units.sum()
    n_villages = sum(len(t.villages) for t in county.townships)
    point_shares = np.full(n_villages, rural / n_villages)
    shares = np.concatenate([[SEAT_SHARE * urban], station_shares, point_shares])
    pops = largest_remainder(shares, county.population).tolist()
    park, stations, rest = pops[0], pops[1 : 1 + len(units)], pops[1 + len(units) :]
    points = []
    for t in county.townships:
        points.append(rest[: len(t.villages)])
        rest = rest[len(t.villages) :]
    return park, stations, points


# ---------------------------------------------------------------- sampling


def uniform_in_polygon(rng: np.random.Generator, poly: BaseGeometry, n: int) -> Points:
    """Draw n uniform points inside poly by rejection from its bounding box."""
    minx, miny, maxx, maxy = poly.bounds
    found: list[Points] = []
    count = 0
    while count < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(REJECTION_BATCH, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
    return np.concatenate(found)[:n]


def snap_inside(poly: BaseGeometry, xy: Points, inset: float = SNAP_INSET_KM) -> Points:
    """xy if it lies inside poly, else the nearest point of poly moved inset inside it."""
    if shapely.contains_xy(poly, xy[0], xy[1]):
        return xy
    inner = poly.buffer(-inset)
    target = inner.boundary if not inner.is_empty else poly.boundary
    return shapely.get_coordinates(shapely.shortest_line(target, shapely.Point(xy)))[0]


def uniform_in_disk(
    rng: np.random.Generator, poly: BaseGeometry, centre: Points, radius: float
) -> Points:
    """Draw one uniform point within radius of centre that also lies inside poly (within
    MAX_REJECTION_DRAWS draws, else the point of poly nearest centre, snapped inside)."""
    for _ in range(0, MAX_REJECTION_DRAWS, REJECTION_BATCH):
        r = radius * np.sqrt(rng.uniform(size=REJECTION_BATCH))
        a = rng.uniform(0.0, 2 * np.pi, size=REJECTION_BATCH)
        xy = centre + np.column_stack([r * np.cos(a), r * np.sin(a)])
        inside = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        if len(inside):
            return inside[0]
    return snap_inside(poly, centre)


def farthest(candidates: Points, placed: Points) -> Points:
    """Mitchell's best candidate: the candidate with the largest distance to placed points."""
    d = np.linalg.norm(candidates[:, None, :] - placed[None, :, :], axis=2).min(axis=1)
    return candidates[int(np.argmax(d))]


def place_stations(rng: np.random.Generator, poly: BaseGeometry, flags: list[bool]) -> Points:
    """Place stations in township order; the seat is at the projection origin (0, 0)."""
    seat = np.zeros((1, 2))
    placed: list[Points] = []
    for is_seat in flags:
        if is_seat:
            xy = uniform_in_disk(rng, poly, seat[0], SEAT_RADIUS_KM)
        else:
            cands = uniform_in_polygon(rng, poly, STATION_CANDIDATES)
            xy = farthest(cands, np.vstack([seat, *placed]))
        placed.append(np.asarray(xy).reshape(1, 2))
    return np.vstack(placed)


def cell_bounds(poly: BaseGeometry, stations: Points) -> list[tuple[float, ...]]:
    """Bounding boxes of each station's Voronoi cell clipped to the county (sampling windows)."""
    cells = shapely.voronoi_polygons(
        shapely.multipoints(stations), extend_to=poly.envelope, ordered=True
    )
    pad = 0.05  # km, absorbs float noise at cell edges; the nearest-station test decides
    bounds = []
    for cell in shapely.get_parts(cells):
        minx, miny, maxx, maxy = shapely.intersection(cell, poly).bounds
        bounds.append((minx - pad, miny - pad, maxx + pad, maxy + pad))
    return bounds


def village_candidates(
    rng: np.random.Generator,
    poly: BaseGeometry,
    stations: Points,
    own: int,
    window: tuple[float, ...],
) -> Points:
    """Up to VILLAGE_CANDIDATES points in own's cell, within MAX_REJECTION_DRAWS draws."""
    minx, miny, maxx, maxy = window
    found: list[Points] = []
    count = drawn = 0
    while count < VILLAGE_CANDIDATES and drawn < MAX_REJECTION_DRAWS:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(REJECTION_BATCH, 2))
        drawn += REJECTION_BATCH
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        d2 = ((xy[:, None, :] - stations[None, :, :]) ** 2).sum(axis=2)
        xy = xy[np.argmin(d2, axis=1) == own] if len(xy) else xy
        found.append(xy)
        count += len(xy)
    return np.concatenate(found)[:VILLAGE_CANDIDATES]


def place_villages(
    rng: np.random.Generator, poly: BaseGeometry, stations: Points, counts: list[int]
) -> tuple[list[Points], int]:
    """Place each township's villages in its Voronoi cell; return positions and fallbacks."""
    windows = cell_bounds(poly, stations)
    result: list[Points] = []
    fallbacks = 0
    for own, n in enumerate(counts):
        placed = [stations[own]]
        for _ in range(n):
            cands = village_candidates(rng, poly, stations, own, windows[own])
            if len(cands):
                xy = farthest(cands, np.vstack(placed))
            else:
                xy = uniform_in_disk(rng, poly, stations[own], FALLBACK_RADIUS_KM)
                fallbacks += 1
            placed.append(xy)
        result.append(np.vstack(placed[1:]) if n else np.empty((0, 2)))
    return result, fallbacks


# ---------------------------------------------------------------- assembly


def fmt_row(
    node_id: str,
    name: str,
    kind: str,
    parent: str,
    county: str,
    lon: float,
    lat: float,
    population: int,
    code: str,
    source: str,
) -> list[str]:
    """Format one CSV row with fixed 6-decimal coordinates."""
    return [
        node_id,
        name,
        kind,
        parent,
        county,
        f"{lon:.6f}",
        f"{lat:.6f}",
        str(population),
        code,
        source,
    ]


def county_rows(
    county: County, rng: np.random.Generator, parent: str = "HUB"
) -> tuple[list[list[str]], int]:
    """All rows (park, stations, points) of one county and its number of fallbacks."""
    proj = Projection(county.seat_lon, county.seat_lat)
    poly = shapely.transform(county.polygon, proj.to_km)
    shapely.prepare(poly)
    flags = seat_flags(county.townships, county.code)
    park_pop, station_pops, point_pops = county_population(county)
    stations_km = place_stations(rng, poly, flags)
    counts = [len(t.villages) for t in county.townships]
    villages_km, fallbacks = place_villages(rng, poly, stations_km, counts)

    park_id = f"P{county.code}"
    rows = [
        fmt_row(
            park_id,
            f"{county.name}电商快递物流园",
            "park",
            parent,
            county.name,
            county.seat_lon,
            county.seat_lat,
            park_pop,
            county.code,
            county.seat_source,
        )
    ]
    station_ll = proj.to_lonlat(stations_km)
    for t, (lon, lat), pop in zip(county.townships, station_ll, station_pops, strict=True):
        rows.append(
            fmt_row(
                f"S{t.code}",
                t.name,
                "station",
                park_id,
                county.name,
                lon,
                lat,
                pop,
                t.code,
                "generated",
            )
        )
    for t, xy, pops in zip(county.townships, villages_km, point_pops, strict=True):
        if not len(xy):
            continue
        for (v_code, v_name), (lon, lat), pop in zip(
            t.villages, proj.to_lonlat(xy), pops, strict=True
        ):
            rows.append(
                fmt_row(
                    f"V{v_code}",
                    v_name,
                    "point",
                    f"S{t.code}",
                    county.name,
                    lon,
                    lat,
                    pop,
                    v_code,
                    "generated",
                )
            )
    return rows, fallbacks


def city_rows(
    counties: list[County], rngs: list[np.random.Generator], hub: str
) -> tuple[list[list[str]], list[str]]:
    """The rows below one hub (its parks, then stations, then points, each in county order)
    plus a human-readable per-county summary; county i draws from rngs[i]."""
    park_rows: list[list[str]] = []
    rest: list[list[str]] = []
    summary = []
    for county, rng in zip(counties, rngs, strict=True):
        c_rows, fallbacks = county_rows(county, rng, hub)
        park_rows.append(c_rows[0])
        rest.extend(c_rows[1:])
        n_points = sum(len(t.villages) for t in county.townships)
        total = sum(int(r[7]) for r in c_rows)
        summary.append(
            f"{county.code} {county.name}: {len(county.townships)} townships, "
            f"{n_points} villages, population {total} (census "
            f"{county.population}), fallbacks {fallbacks}"
        )
    stations = [r for r in rest if r[2] == "station"]
    points = [r for r in rest if r[2] == "point"]
    return park_rows + stations + points, summary


def build(source: Path, seed: int) -> tuple[list[list[str]], list[str]]:
    """Build every row in output order plus a human-readable per-county summary."""
    rows = [fmt_row(*GATEWAY, 0, "", "approximate"), fmt_row(*HUB, 0, "", "approximate")]
    counties = load_counties(source)
    children = np.random.default_rng(seed).spawn(len(counties))
    below, summary = city_rows(counties, children, HUB[0])
    return rows + below, summary


def write_csv(rows: list[list[str]], out: Path) -> None:
    """Write UTF-8 CSV with LF line ends so output is byte-stable across platforms."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; defaults reproduce configs/kaifeng/nodes.csv."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="directory with counties.csv, admin_tree_2021.json, districts.geojson",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV path")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build and write the node table, then print a short summary."""
    args = parse_args(argv)
    start = time.perf_counter()
    rows, summary = build(args.source, args.seed)
    write_csv(rows, args.out)
    for line in summary:
        print(line, file=sys.stderr)
    print(
        f"wrote {len(rows)} nodes to {args.out} in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
