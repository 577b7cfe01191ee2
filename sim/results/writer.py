"""Write a run's files into a folder it owns (`sim.results.folders`), each atomically.

summary.json is removed first and written last, so a folder with a summary.json always holds
a complete, consistent set of files, and a run that fails never looks finished.

parcels.parquet, by far the largest file, is written on a second thread while this one works
out the KPIs the other files need: Arrow encodes and compresses without holding the
interpreter, so on two cores the two overlap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.clock import when
from sim.results.folders import RUN, OutputFolder, claim
from sim.results.jsonable import json_ready
from sim.results.summary import Results
from sim.scenario import LoadedScenario
from sim.scenario.yamlio import dump_yaml

SUMMARY = "summary.json"


def write_results(results: Results, out: str | Path | OutputFolder,
                  parcels: bool = True) -> list[Path]:
    """Write every output file into `out` (a folder claimed for a run, or a path to claim
    now); returns their paths, summary.json last."""
    folder = out if isinstance(out, OutputFolder) else claim(
        Path(out), RUN, results.scenario.input_files)
    folder.remove(SUMMARY)
    written = []

    def put(name: str, write: Callable[[Path], None]) -> None:
        written.append(folder.write(name, write))

    # on leaving, the pool waits for the parcels file even when this thread failed
    with ThreadPoolExecutor(max_workers=1) as pool:
        parcels_written = None
        if parcels:
            tables = results.parcel_tables()
            parcels_written = pool.submit(folder.write, "parcels.parquet",
                                          lambda tmp: write_parquet_pieces(tmp, tables))
        for name in ("facility_hours", "trips"):
            put(f"{name}.parquet", lambda tmp, name=name: write_frames(
                tmp, results.frames(name)))
        lots, freight_trips = results.lots(), results.freight_trips()
        if lots is not None:
            put("lots.parquet", lambda tmp: lots.to_parquet(tmp, index=False))
            put("freight_trips.parquet", lambda tmp: freight_trips.to_parquet(tmp, index=False))
        table = results.bottlenecks
        put("bottlenecks.csv", lambda tmp: table.to_csv(tmp, index=False))
        if results.resilience is not None:
            for name, frame in resilience_files(results).items():
                put(name, lambda tmp, frame=frame: frame.to_csv(tmp, index=False,
                                                                encoding="utf-8-sig"))
        scenario = resolved_scenario(results)
        put("scenario.yaml", lambda tmp: tmp.write_text(dump_yaml(scenario), encoding="utf-8"))
        text = json.dumps(json_ready(results.summary), ensure_ascii=False, indent=2,
                          allow_nan=False)
        if parcels_written is not None:
            # its error, if any, is raised here: no summary then
            written.insert(0, parcels_written.result())
    put(SUMMARY, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    return written


def write_frames(path: Path, frames: Iterable[pd.DataFrame]) -> None:
    """One Parquet file from data frames of the same columns, one row group each: a run
    of many cities writes its cities' tables one at a time."""
    write_parquet_pieces(path, (pa.Table.from_pandas(frame, preserve_index=False)
                                for frame in frames), coded_only=False)


def write_parquet_pieces(path: Path, tables: Iterable[pa.Table],
                         coded_only: bool = True) -> None:
    """One Parquet file from tables of the same columns, one row group each, each cast to
    the first one's types (a city whose column is all blank). The file is opened here, so
    it is closed however the writing ends: a full disk leaves no open file behind.

    `coded_only`: dictionary pages for the coded columns only (for stamps with millions of
    distinct values the writer would build a dictionary and then abandon it), and min/max
    statistics for the other columns only (every row group holds nearly every county or
    tier, so a coded column's would let a reader skip nothing, and they cost a quarter of
    the writing: strings are compared). Otherwise Parquet's defaults."""
    with pa.OSFile(str(path), "wb") as sink:
        writer = None
        try:
            for table in tables:
                if writer is None:
                    options = {}
                    if coded_only:
                        coded = [field.name for field in table.schema
                                 if pa.types.is_dictionary(field.type)]
                        options = {"use_dictionary": coded, "write_statistics": [
                            name for name in table.schema.names if name not in coded]}
                    writer = pq.ParquetWriter(sink, table.schema, **options)
                if table.schema != writer.schema:
                    table = table.cast(writer.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()


def resolved_scenario(results: Results) -> dict:
    """The scenario as run (overrides applied), with table paths made absolute."""
    return scenario_document(results.scenario)


def scenario_document(scenario: LoadedScenario) -> dict:
    """A loaded scenario as a YAML-ready mapping whose table paths are absolute."""
    data = scenario.config.model_dump(mode="json")
    data["network"]["nodes"] = str(scenario.nodes_path.resolve())
    if scenario.roads_path is not None:
        data["network"]["roads"] = str(scenario.roads_path.resolve())
    return data


def resilience_files(results: Results) -> dict[str, pd.DataFrame]:
    """A disrupted run's extra files: what was disrupted, the recovery hour by hour and day
    by day against the twin, and the cost by county (names and dates readable in Excel)."""
    resilience = results.resilience
    start = results.output.scenario.config.run.start_date

    def written(hours: pd.Series) -> pd.Series:
        return when(start, hours).dt.strftime("%Y-%m-%d %H:%M")

    events = resilience.events.assign(start=written(resilience.events["start_h"]),
                                      end=written(resilience.events["end_h"]))
    hourly = resilience.hourly.assign(time=written(resilience.hourly["hour"]))
    daily = resilience.daily.assign(
        date=when(start, 24.0 * resilience.daily["day"]).dt.date)
    return {"disruptions.csv": events, "recovery.csv": hourly, "recovery_by_day.csv": daily,
            "resilience_by_county.csv": resilience.by_county}
