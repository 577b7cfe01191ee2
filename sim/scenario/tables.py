"""Big scenario tables (nodes, roads) as CSV files, checked row by row.

Rows are validated by pydantic like the YAML, and every problem is reported with the CSV
line number and the node id, so a planner can find it in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import pandas as pd
from pydantic import Field, TypeAdapter, ValidationError

from sim.errors import ScenarioError
from sim.scenario.files import Files
from sim.scenario.models import NodeKind, NodeOverride, Strict
from sim.scenario.yamlio import decode_text

NodeId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s,]+$")]


class NodeRow(NodeOverride):
    """One node of the network; the override columns are optional."""

    id: NodeId
    name: str = ""
    kind: NodeKind
    parent: NodeId | None = None
    county: str | None = None
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    population: int = Field(0, ge=0, le=100_000_000)  # type: ignore[assignment]
    code: str | None = None
    position_source: str | None = None


class RoadRow(Strict):
    """One two-way road between two nodes; km defaults to the great-circle distance x circuity."""

    source: NodeId = Field(alias="from")
    target: NodeId = Field(alias="to")
    km: float | None = Field(None, gt=0, le=5000, allow_inf_nan=False)
    road_class: str


NODE_COLUMNS: tuple[str, ...] = tuple(NodeRow.model_fields)
_ROAD_ADAPTER = TypeAdapter(list[RoadRow])
_NODE_ADAPTER = TypeAdapter(list[NodeRow])


MAX_COLUMNS = 64  # a node table has 14 columns at most; more is not a table of ours
ROADS_PER_NODE = 20  # road rows a table may have per node the limits allow


def read_csv_records(path: Path, files: Files, what: str, required: tuple[str, ...],
                     max_rows: int) -> list[dict[str, str]]:
    """Rows of a CSV table as dicts of non-empty strings.

    Size, row count and header are checked before the table is parsed; a file whose first
    line lacks the `required` columns is not a `what` and is refused without quoting it."""
    label = files.label(path)
    text = decode_text(files.read(path, files.limits.table_bytes, "table"), label)
    if not text.strip():
        raise ScenarioError(label, "", "the file is empty (no header row)")
    rows = text.count("\n", 0, len(text.rstrip("\r\n")))  # lines after the header
    if rows > max_rows:
        raise ScenarioError(label, "", f"{rows:,} rows, more than the {max_rows:,} a {what} "
                            "may have")
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        header = []
    names = {name.strip() for name in header}
    missing = [name for name in required if name not in names]
    if len(header) > MAX_COLUMNS or missing:
        raise ScenarioError(label, "header", f"not a {what}: its first line must name the "
                            f"columns {', '.join(required)} (and at most {MAX_COLUMNS})")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise ScenarioError(label, "", f"not a valid CSV table: {exc}".strip()) from None
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:") or not str(c).strip()]
    if unnamed:
        raise ScenarioError(label, "header", "a column has no name")
    keys = [str(column).strip() for column in frame.columns]
    columns = [frame[column].tolist() for column in frame.columns]  # plain lists: fast
    return [
        {key: value.strip() for key, value in zip(keys, row, strict=True) if value.strip() != ""}
        for row in zip(*columns, strict=True)
    ]


def _row_label(records: list[dict[str, str]], index: int, key: str) -> str:
    row_id = records[index].get(key, "?") if index < len(records) else "?"
    return f"line {index + 2} ({key} {row_id})"


def _raise_row_errors(
    label: str, records: list[dict[str, str]], exc: ValidationError, key: str
) -> None:
    issues = []
    for error in exc.errors()[:20]:
        index, *field = error["loc"]
        column = ".".join(str(part) for part in field) or "row"
        problem = error["msg"]
        if error["type"] == "extra_forbidden":
            problem = "unknown column"
        elif error["type"] == "missing":
            problem = "required column is missing or empty"
        issues.append((f"{_row_label(records, int(index), key)}: {column}", problem))
    raise ScenarioError.many(label, issues)


def load_nodes(path: Path, files: Files) -> pd.DataFrame:
    """Validated node table: one row per node, the columns of `NodeRow`."""
    label = files.label(path)
    records = read_csv_records(path, files, "node table", ("id", "kind", "lon", "lat"),
                               files.limits.nodes)
    if not records:
        raise ScenarioError(label, "", "the node table has no rows")
    try:
        rows = _NODE_ADAPTER.validate_python(records)
    except ValidationError as exc:
        _raise_row_errors(label, records, exc, "id")
    frame = pd.DataFrame([row.model_dump() for row in rows], columns=list(NODE_COLUMNS))
    for column in ("id", "name", "kind", "parent", "county", "code", "position_source",
                   "opening_hours"):
        # plain objects with None for blanks, whatever pandas' default string dtype does
        frame[column] = pd.Series([getattr(r, column) for r in rows], dtype=object)
    for column in ("sort_rate_per_h", "shelf_slots", "vehicles"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    duplicated = frame["id"][frame["id"].duplicated()]
    if len(duplicated):
        line = int(duplicated.index[0]) + 2
        raise ScenarioError(label, f"line {line}: id", f"duplicate id {duplicated.iloc[0]!r}")
    return frame


def load_roads(path: Path, files: Files) -> pd.DataFrame:
    """Validated road table with columns source, target, km (NaN = from coordinates), road_class."""
    records = read_csv_records(path, files, "road table", ("from", "to", "road_class"),
                               files.limits.nodes * ROADS_PER_NODE)
    try:
        rows = _ROAD_ADAPTER.validate_python(records)
    except ValidationError as exc:
        _raise_row_errors(files.label(path), records, exc, "from")
    return pd.DataFrame(
        [(r.source, r.target, r.km, r.road_class) for r in rows],
        columns=["source", "target", "km", "road_class"],
    ).astype({"km": "float64"})
