"""Sweep designs: which scenario points to run.

A point is a list of dotted overrides. Designs combine a cartesian grid, zipped lists and
random or Latin hypercube samples over ranges; they come from `--grid`/`--zip` options or a
sweep file (YAML). Values are YAML text, typed later by the scenario schema like any
`--set`. A design's size is counted without expanding it, so one too big for the limits is
refused before a single point is made.

Result tables hold a swept key's value in column `set.<key>` (`set.fleets.village.vehicles`):
a KPI may have the key's very name (`fleets.village.vehicles` is one), never that prefix.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError, model_validator
from scipy.stats import qmc

from sim.errors import ScenarioError
from sim.limits import Limits
from sim.scenario.models import Strict
from sim.scenario.yamlio import parse_yaml_text, read_model


@dataclass(frozen=True)
class Point:
    """One scenario point: `key=value` overrides (values as YAML text)."""

    overrides: tuple[str, ...]

    @property
    def id(self) -> str:
        """Stable across runs, so an interrupted sweep knows what it has done."""
        return hashlib.sha1("\n".join(self.overrides).encode("utf-8")).hexdigest()[:12]

    @property
    def values(self) -> dict[str, Any]:
        pairs = (override.partition("=") for override in self.overrides)
        return {key: parse_yaml_text(text, "point") for key, _, text in pairs}


def as_text(value: Any) -> str:
    """A value as one line of YAML, the way `--set` reads it back."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix(
        "\n...").strip()


class Range(Strict):
    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self


class Sample(Strict):
    method: Literal["random", "lhs"]
    points: int = Field(ge=1, le=100_000)
    seed: int = Field(0, ge=0)
    ranges: dict[str, Range] = Field(min_length=1)


class SweepFile(Strict):
    """A sweep design in a file; the CLI's options add to it."""

    scenario: str | None = None
    reps: int = Field(1, ge=1, le=10_000)
    base: list[str] = Field(default_factory=list, description="overrides for every point")
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    zip: dict[str, list[Any]] = Field(default_factory=dict)
    sample: Sample | None = None

    @model_validator(mode="after")
    def _zip_lengths(self) -> SweepFile:
        lengths = {len(values) for values in self.zip.values()}
        if len(lengths) > 1:
            raise ValueError(f"zip lists differ in length: {sorted(lengths)}")
        for key, values in (*self.grid.items(), *self.zip.items()):
            if not values:
                raise ValueError(f"{key}: no values")
        return self


def read_sweep_file(path: Path) -> SweepFile:
    return read_model(path, SweepFile)


def split_values(text: str) -> list[str]:
    """Comma-separated values, commas inside brackets kept: '1,[a,b],3' -> 3 values."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def parse_option(option: str, name: str) -> tuple[str, list[Any]]:
    """'key=v1,v2' from --grid or --zip."""
    key, sep, text = option.partition("=")
    if not sep or not key.strip() or not split_values(text):
        raise ScenarioError(f"--{name} {option}", key, "expected dotted.key=value1,value2,...")
    source = f"--{name} {option}"
    return key.strip(), [parse_yaml_text(value, source) for value in split_values(text)]


def with_options(design: SweepFile, grid: Iterable[str], zipped: Iterable[str]) -> SweepFile:
    """The design with the CLI's --grid and --zip added."""
    grid_values = dict(design.grid)
    zip_values = dict(design.zip)
    for option in grid:
        key, values = parse_option(option, "grid")
        grid_values[key] = values
    for option in zipped:
        key, values = parse_option(option, "zip")
        zip_values[key] = values
    data = design.model_dump()
    data.update(grid=grid_values, zip=zip_values)
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError("--zip", "", exc.errors()[0]["msg"]) from None


def sample_values(sample: Sample) -> list[dict[str, Any]]:
    """Random or Latin hypercube points inside the ranges, reproducible from `seed`."""
    keys = list(sample.ranges)
    if sample.method == "lhs":
        unit = qmc.LatinHypercube(d=len(keys), seed=sample.seed).random(sample.points)
    else:
        unit = np.random.default_rng(sample.seed).random((sample.points, len(keys)))
    points = []
    for row in unit:
        point = {}
        for key, u in zip(keys, row, strict=True):
            bounds = sample.ranges[key]
            value = bounds.low + u * (bounds.high - bounds.low)
            point[key] = round(float(value)) if bounds.integer else round(float(value), 6)
        points.append(point)
    return points


def expand(design: SweepFile) -> list[Point]:
    """Every point: grid x zipped rows x samples, each with the base overrides first."""
    grid_keys = list(design.grid)
    grid_rows = [dict(zip(grid_keys, combo, strict=True))
                 for combo in itertools.product(*design.grid.values())]
    zip_rows = [dict(zip(design.zip, row, strict=True)) for row in zip(*design.zip.values(),
                                                                        strict=True)] or [{}]
    sample_rows = sample_values(design.sample) if design.sample else [{}]
    points, seen = [], set()
    for parts in itertools.product(grid_rows or [{}], zip_rows, sample_rows):
        values: dict[str, Any] = {}
        for part in parts:
            values.update(part)
        overrides = (*design.base, *(f"{k}={as_text(v)}" for k, v in values.items()))
        if overrides not in seen:
            seen.add(overrides)
            points.append(Point(tuple(overrides)))
    return points


def point_count(design: SweepFile) -> int:
    """How many points `expand` makes, counted without making them: a key's values count
    once each (as `expand` writes them), and a key that a later part also sets (grid, then
    zip, then sample) counts only there."""
    sampled = list(design.sample.ranges) if design.sample else []
    zipped = [key for key in design.zip if key not in sampled]
    crossed = [key for key in design.grid if key not in design.zip and key not in sampled]
    count = math.prod(len({as_text(v) for v in design.grid[key]}) for key in crossed)
    if zipped:
        count *= _distinct(zip(*(design.zip[key] for key in zipped), strict=True))
    if design.sample:
        count *= _distinct(row.values() for row in sample_values(design.sample))
    return count


def _distinct(rows: Iterable[Iterable[Any]]) -> int:
    return len({tuple(as_text(value) for value in row) for row in rows})


def check_size(design: SweepFile, limits: Limits, source: str) -> int:
    """The design's runs (points x replications), refused beyond `limits.runs` before
    anything is built; `source` names the design (its file, or the options)."""
    points = point_count(design)
    runs = points * design.reps
    if runs > limits.runs:
        raise ScenarioError(source, "", f"{points:,} points x {design.reps:,} replications = "
                            f"{runs:,} runs, more than the limit of {limits.runs:,} "
                            f"({limits.variable('runs')})")
    return runs


def value_column(key: str) -> str:
    """The result-table column of a swept key's value."""
    return f"set.{key}"


def swept_keys(design: SweepFile) -> list[str]:
    keys: list[str] = [*design.grid, *design.zip]
    if design.sample:
        keys += list(design.sample.ranges)
    return list(dict.fromkeys(keys))


def point_columns(points: Sequence[Point], keys: Sequence[str]) -> list[Mapping[str, Any]]:
    """Each point's value of each swept key, by `value_column` (for result tables)."""
    return [{value_column(key): point.values.get(key) for key in keys} for point in points]
