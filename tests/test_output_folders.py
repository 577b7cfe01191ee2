"""Output folders that cannot lie: a command writes only into a folder it owns, checked before
anything runs; it removes only what it wrote, never an input; a sweep never resumes another
scenario's folder; a failed write is a message, not a traceback."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim import api, cli
from sim.cli import app
from sim.engine import model
from sim.errors import OutputError, ScenarioError
from sim.experiment import design as design_module
from sim.experiment import sweep as sweep_module
from sim.experiment.design import SweepFile, check_size, expand, point_count
from sim.limits import Limits
from sim.results import folders
from sim.results.folders import MANIFEST, RUN, claim
from sim.scenario import load_scenario
from sim.scenario.fingerprint import fingerprint

from .conftest import ROOT, TUTORIAL

RUNNER = CliRunner()
RUN_FILES = {MANIFEST, "facility_hours.parquet", "trips.parquet", "bottlenecks.csv",
             "scenario.yaml", "summary.json"}
TEMP = re.compile(r"^\..+\.sim-\d+-[0-9a-f]{8}\.tmp$")
FLEET = {"vehicles": 1, "capacity_pallets": 10, "departures": ["08:00"]}
GOODS = {
    "hubs": [{"name": "base", "role": "cold_chain_base", "lon": 114.47, "lat": 34.5,
              "serves": ["通许县"], "handling_per_h": 40, "cold_storage_pallets": 100,
              "fleets": {"line_haul": FLEET, "collect": FLEET}}],
    "products": [{"name": "mushroom", "unit": "kg", "units_per_pallet": 300, "kg_per_unit": 1,
                  "chain": "chilled", "shelf_life_ambient_h": 36, "shelf_life_cold_h": 144,
                  "flow": "up", "counties": ["通许县"], "per_day": 100}],
}


def invoke(*args: object):
    return RUNNER.invoke(app, [str(arg) for arg in args])


def names(folder: Path) -> set[str]:
    return {entry.name for entry in folder.iterdir()}


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP.match(p.name)]


def sweep_args(config: Path, out: Path | None, *extra: object) -> list[object]:
    return ["sweep", config, "--grid", "fleets.village.vehicles=1,2", "--set", "run.days=2",
            "--workers", "1", *extra, *(["--out", out] if out else [])]


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def no_simulation(monkeypatch):
    """From here on a simulation fails its command as a bug (exit 3): a refusal (exit 2)
    shows that the command stopped before simulating."""

    def ran(self, *args, **kwargs):
        raise AssertionError("the simulation ran")

    monkeypatch.setattr(model.Simulation, "run", ran)


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs at a new folder when this process may (root with the capability,
    as here and in CI); yields mount(options) -> the folder, or None when not permitted."""
    mounted = []

    def mount(options: str) -> Path | None:
        folder = tmp_path / f"mount{len(mounted)}"
        folder.mkdir()
        if shutil.which("mount") is None or subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                capture_output=True).returncode != 0:
            return None
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


def read_only(monkeypatch, folder: Path) -> None:
    """Creating any file under `folder` fails as on a read-only file system."""
    original = os.open

    def refused(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).is_relative_to(folder):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return original(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)


def disk_full(monkeypatch) -> None:
    """Every result file fails with ENOSPC half-way through its writing, as on a full disk;
    the small manifest still fits."""
    original = folders.atomic_write

    def full(path: Path, write) -> None:
        def fail(tmp: Path) -> None:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

        original(path, write if path.name == MANIFEST else fail)

    monkeypatch.setattr(folders, "atomic_write", full)


# --- inputs are never overwritten or removed ---------------------------------------------


def test_a_run_never_overwrites_its_own_scenario_file(scenario_copy, monkeypatch,
                                                      no_simulation):
    path, mine = scenario_copy(), scenario_copy(name="my.yaml")
    before = path.read_bytes()
    monkeypatch.chdir(path.parent)
    result = invoke("run", "scenario.yaml", "--out", ".")
    assert result.exit_code == 2, result.output
    assert ("error: scenario.yaml: is an input of this run, and writing to . would overwrite "
            "or remove it; choose another folder") in result.output
    # a scenario under a name a run does not write: the folder is still not the run's
    result = invoke("run", "my.yaml", "--out", ".")
    assert result.exit_code == 2, result.output
    assert ("error: .: is not empty and not the output of an earlier sim run (it holds my.yaml, "
            "scenario.yaml, tutorial); choose a new or empty folder") in result.output
    assert path.read_bytes() == before == mine.read_bytes()
    assert names(path.parent) == {"scenario.yaml", "my.yaml", "tutorial"}


def test_an_input_inside_an_earlier_run_folder_is_never_removed(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert invoke("run", TUTORIAL, "--days", "2", "--no-parcels", "--out", out).exit_code == 0
    saved = out / "scenario.yaml"
    before = {name: (out / name).read_bytes() for name in names(out)}
    extending = tmp_path / "more.yaml"
    extending.write_text(f"extends: {saved}\nname: more\n", encoding="utf-8")
    monkeypatch.setattr(model.Simulation, "run", lambda *a, **k: pytest.fail("simulated"))
    for config in (saved, extending):
        result = invoke("run", config, "--days", "2", "--out", out)
        assert result.exit_code == 2, result.output
        assert f"error: {saved}: is an input of this run, and writing to {out}" in result.output
        assert {name: (out / name).read_bytes() for name in names(out)} == before


# --- a reused folder holds only the new output ---------------------------------------------


def test_reusing_a_run_folder_removes_every_file_of_the_earlier_run(scenario_copy, tmp_path):
    goods = scenario_copy(lambda raw: raw.update(GOODS))
    out = tmp_path / "out"
    first = invoke("run", goods, "--days", "2", "--reps", "2", "--workers", "1", "--out", out)
    assert first.exit_code == 0, first.output
    assert {"parcels.parquet", "lots.parquet", "freight_trips.parquet", "replications.csv",
            "replication_kpis.csv"} <= names(out)
    (out / "notes.txt").write_text("the user's own", encoding="utf-8")
    second = invoke("run", TUTORIAL, "--days", "3", "--no-parcels", "--out", out)
    assert second.exit_code == 0, second.output
    assert names(out) == RUN_FILES | {"notes.txt"}  # nothing of the first run is left
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the user's own"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["days"] == 3
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["kind"] == "run" and set(manifest["files"]) == RUN_FILES - {MANIFEST}


def test_a_folder_of_another_kind_is_refused(tmp_path, no_simulation):
    out = tmp_path / "out"
    folders.claim(out, RUN).write_text("summary.json", "{}\n")
    for command, extra in (("capacity", ["--reps", "1", "--workers", "1"]),
                           ("sweep", ["--grid", "fleets.village.vehicles=1,2", "--workers", "1"])):
        result = invoke(command, TUTORIAL, *extra, "--out", out)
        assert result.exit_code == 2, result.output
        assert f"error: {out}: holds the output of sim run, not of sim {command}" in result.output
    assert names(out) == {MANIFEST, "summary.json"}


def test_a_manifest_cannot_make_a_command_remove_files_it_never_writes(tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep", encoding="utf-8")
    (out / "notes.txt").write_text("keep", encoding="utf-8")
    for listed in (["../victim.txt"], ["notes.txt"], [str(victim)]):
        (out / MANIFEST).write_text(json.dumps({"written_by": "sim", "kind": "run",
                                                "files": listed}), encoding="utf-8")
        with pytest.raises(OutputError, match="remove the folder or choose another"):
            claim(out, RUN)
    assert victim.read_text(encoding="utf-8") == (out / "notes.txt").read_text(encoding="utf-8")


KILL_AT = """
import os, signal, sys
from pathlib import Path
from sim import api
from sim.results import folders, write_results

target, out = sys.argv[1], Path(sys.argv[2])
original = folders.atomic_write


def dying(path, write):
    def killed(tmp):
        if path.name == target:
            tmp.write_bytes(b"half")
            os.kill(os.getpid(), signal.SIGKILL)
        write(tmp)
    original(path, killed)


folders.atomic_write = dying
write_results(api.run("configs/tutorial.yaml", ["run.days=2"]), out)
"""


@pytest.mark.parametrize("target", [MANIFEST, "parcels.parquet", "bottlenecks.csv",
                                    "summary.json"])
def test_a_run_killed_while_writing_leaves_a_folder_the_next_run_cleans(tmp_path, target):
    out = tmp_path / "out"
    killed = subprocess.run([sys.executable, "-c", KILL_AT, target, str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert not (out / "summary.json").exists()
    listed = (json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
              if (out / MANIFEST).exists() else [])
    left = names(out) - {MANIFEST} - set(listed)
    # what is not listed is a temporary file of a listed file (or of the manifest), begun
    # when the process died (parcels.parquet may be under way on its thread)
    begun = {TEMP.match(name) and name[1:].rpartition(".sim-")[0] for name in left}
    assert target in begun and begun <= {MANIFEST, *listed}, left
    result = invoke("run", TUTORIAL, "--days", "2", "--no-parcels", "--out", out)
    assert result.exit_code == 0, result.output
    assert names(out) == RUN_FILES


# --- the folder is checked before anything runs; a failed write is a message ----------------


@pytest.mark.parametrize("command", ["run", "sweep", "capacity"])
def test_an_out_that_is_a_file_is_refused_before_anything_runs(tmp_path, no_simulation,
                                                               command):
    taken = tmp_path / "taken"
    taken.write_text("mine", encoding="utf-8")
    extra = {"run": [], "sweep": ["--grid", "fleets.village.vehicles=1,2", "--workers", "1"],
             "capacity": ["--reps", "1", "--workers", "1"]}[command]
    result = invoke(command, TUTORIAL, *extra, "--out", taken)
    assert result.exit_code == 2, result.output
    assert f"error: {taken}: is a file, not a folder" in result.output
    assert taken.read_text(encoding="utf-8") == "mine"


def test_an_unwritable_out_is_refused_before_the_simulation(tmp_path, tmpfs, monkeypatch,
                                                            no_simulation):
    folder = tmpfs("ro,size=64k")
    if folder is None:  # no mount here: the same failure, injected
        folder = tmp_path / "read-only"
        folder.mkdir()
        read_only(monkeypatch, folder)
    result = invoke("run", TUTORIAL, "--out", folder)
    assert result.exit_code == 2, result.output
    assert f"error: {folder}: cannot be written to (Read-only file system)" in result.output
    assert names(folder) == set()


@pytest.mark.parametrize("disk", ["tmpfs", "injected"])
def test_a_full_disk_ends_in_a_message_and_leaves_nothing_half_written(tmp_path, tmpfs,
                                                                       monkeypatch, disk):
    # 64 kB: the manifest fits, a run's files do not
    folder = tmpfs("size=64k") if disk == "tmpfs" else None
    if folder is None:  # injected always runs, and stands in for the tmpfs without mount
        folder = tmp_path / "full"
        folder.mkdir()
        disk_full(monkeypatch)
    out = folder / "run"
    result = invoke("run", TUTORIAL, "--days", "2", "--out", out)
    assert result.exit_code == 2, result.output
    assert re.search(rf"error: {re.escape(str(out))}/[^:]+: cannot be written \(No space left "
                     r"on device\)", result.output), result.output
    assert "Traceback" not in result.output
    assert not (out / "summary.json").exists()
    assert temps(folder) == []


def test_a_write_that_fails_removes_its_temporary_file_and_lists_the_file_first(tmp_path):
    out = claim(tmp_path / "out", RUN)

    def write(tmp: Path) -> None:
        assert re.fullmatch(rf"\.trips\.parquet\.sim-{os.getpid()}-[0-9a-f]{{8}}\.tmp",
                            tmp.name)
        manifest = json.loads((out.path / MANIFEST).read_text(encoding="utf-8"))
        assert manifest["files"] == ["trips.parquet"]  # listed before it can appear
        tmp.write_bytes(b"partial")
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    with pytest.raises(OutputError, match=r"parquet: cannot be written \(Input/output error\)"):
        out.write("trips.parquet", write)
    assert names(out.path) == {MANIFEST}


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_output_files_get_the_users_umask(tmp_path, mask):
    previous = os.umask(mask)
    try:
        ran = invoke("run", TUTORIAL, "--days", "2", "--out", tmp_path / "run")
        swept = invoke(*sweep_args(TUTORIAL, tmp_path / "sweep"))
    finally:
        os.umask(previous)
    assert ran.exit_code == 0 and swept.exit_code == 0, ran.output + swept.output
    for entry in [*(tmp_path / "run").rglob("*"), *(tmp_path / "sweep").rglob("*")]:
        expected = (0o777 if entry.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(entry.stat().st_mode) == expected, entry


def test_the_default_run_folder_is_always_a_new_one(tmp_path, monkeypatch):
    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 3, 1, 8, 0, 0)

    monkeypatch.setattr(cli, "dt", SimpleNamespace(datetime=Frozen))
    monkeypatch.chdir(tmp_path)
    taken = tmp_path / "runs" / "tutorial-20260301-080000"
    taken.mkdir(parents=True)
    (taken / "mine.txt").write_text("x", encoding="utf-8")
    for expected in ("tutorial-20260301-080000-2", "tutorial-20260301-080000-3"):
        result = invoke("run", TUTORIAL, "--days", "2", "--no-parcels")
        assert result.exit_code == 0, result.output
        assert f"results written to runs/{expected}/" in result.output
        assert names(tmp_path / "runs" / expected) == RUN_FILES
    assert names(taken) == {"mine.txt"}


def test_a_run_that_fails_leaves_no_folder_it_made(tmp_path, monkeypatch):
    def overflow(self, *args, **kwargs):
        raise ScenarioError("scenario.yaml", "demand", "too much")

    monkeypatch.setattr(model.Simulation, "run", overflow)
    out = tmp_path / "run"
    result = invoke("run", TUTORIAL, "--out", out)
    assert result.exit_code == 2 and "too much" in result.output
    assert not out.exists()


# --- sweeps -------------------------------------------------------------------------------


def test_a_sweep_folder_refuses_another_scenario_and_resumes_the_same_one(scenario_copy,
                                                                          tmp_path):
    first = scenario_copy()
    out = tmp_path / "sweep"
    assert invoke(*sweep_args(first, out)).exit_code == 0
    done = {p: p.stat().st_mtime_ns for p in out.glob("points/*/results.json")}
    assert len(done) == 2
    # the same scenario from another place: its content is what counts, so nothing reruns
    moved = tmp_path / "elsewhere"
    shutil.copytree(first.parent / "tutorial", moved / "tutorial")
    shutil.copy(first, moved / "scenario.yaml")
    again = invoke(*sweep_args(moved / "scenario.yaml", out))
    assert again.exit_code == 0, again.output
    assert {p: p.stat().st_mtime_ns for p in done} == done
    # another node table under the same names, or another setting: refused
    other = scenario_copy(lambda raw: raw["demand"].update(multiplier=1.2), name="other.yaml")
    scenario_copy(nodes=lambda text: text.replace(",9949,", ",19949,"))  # first's table too
    for config in (first, other):
        result = invoke(*sweep_args(config, out))
        assert result.exit_code == 2, result.output
        assert f"error: {out}: holds a sweep of another scenario" in result.output
        assert "choose another --out" in result.output
    assert {p: p.stat().st_mtime_ns for p in out.glob("points/*/results.json")} == done


def test_the_default_sweep_folder_refuses_another_scenario(scenario_copy, tmp_path,
                                                           monkeypatch):
    other = scenario_copy(lambda raw: raw["demand"].update(multiplier=1.2))
    monkeypatch.chdir(tmp_path)
    assert invoke(*sweep_args(TUTORIAL, None)).exit_code == 0
    result = invoke(*sweep_args(other, None))
    assert result.exit_code == 2, result.output
    assert "error: sweep: holds a sweep of another scenario" in result.output


def test_a_sweep_into_someone_elses_folder_is_refused_and_touches_nothing(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    files = [out / ".cache.tmp", out / "data.csv"]
    for path in files:
        path.write_text("mine", encoding="utf-8")
    result = invoke(*sweep_args(TUTORIAL, out))
    assert result.exit_code == 2, result.output
    assert f"error: {out}: is not empty and not the output of an earlier sim sweep" in (
        result.output)
    assert names(out) == {".cache.tmp", "data.csv"}


def test_a_resumed_sweep_removes_only_its_own_leftovers(tmp_path):
    out = tmp_path / "sweep"
    assert invoke(*sweep_args(TUTORIAL, out)).exit_code == 0
    point = next(out.glob("points/*/"))
    dead, alive = dead_pid(), os.getppid()
    users = [out / ".notes.tmp", point / ".draft.tmp", out / "sub" / ".deep.tmp",
             out / f".summary.json.sim-{dead}-0123abcd.tmp"]  # a sweep writes no summary.json
    running = [point / f".results.json.sim-{alive}-0123abcd.tmp"]
    leftovers = [point / f".results.json.sim-{dead}-0123abcd.tmp",
                 out / f".points.csv.sim-{dead}-89abcdef.tmp",
                 out / f".{MANIFEST}.sim-{dead}-00000000.tmp"]
    for path in users + running + leftovers:
        path.parent.mkdir(exist_ok=True)
        path.write_text("x", encoding="utf-8")
    result = invoke(*sweep_args(TUTORIAL, out))
    assert result.exit_code == 0, result.output
    assert all(path.exists() for path in users + running)
    assert not any(path.exists() for path in leftovers)


def test_swept_values_and_kpis_of_the_same_name_are_both_kept(tmp_path):
    out = tmp_path / "sweep"
    result = invoke(*sweep_args(TUTORIAL, out, "--reps", "2"))
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["set.fleets.village.vehicles"].tolist() == [1, 1, 2, 2]
    alone = api.run(TUTORIAL, ["run.days=2", "fleets.village.vehicles=2"]).summary
    kpi = runs.loc[runs["replication"] == 0, "fleets.village.vehicles"].tolist()
    assert kpi[1] == alone["fleets"]["village"]["vehicles"] != 2  # the KPI: every loop's vans
    points = pd.read_csv(out / "points.csv")
    assert points["set.fleets.village.vehicles"].tolist() == [1, 2]
    assert "None" not in result.output  # the table shows each swept value


@pytest.mark.parametrize("damaged", ["points/*/results.json", "sweep.json", MANIFEST])
def test_a_damaged_sweep_file_is_a_message(tmp_path, damaged):
    out = tmp_path / "sweep"
    assert invoke(*sweep_args(TUTORIAL, out)).exit_code == 0
    path = next(out.glob(damaged))
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    result = invoke(*sweep_args(TUTORIAL, out))
    assert result.exit_code == 2, result.output
    assert f"error: {path}: " in result.output and "Traceback" not in result.output
    advice = "delete it to run the point again" if damaged.startswith("points") else (
        "remove the folder or choose another")
    assert advice in result.output
    assert path.read_text(encoding="utf-8") == text[: len(text) // 2]


# --- the size of a design -----------------------------------------------------------------


def test_a_design_too_big_is_refused_before_any_point_is_made(tmp_path, monkeypatch):
    monkeypatch.delenv("SIM_MAX_RUNS", raising=False)

    def expanded(*args, **kwargs):
        raise AssertionError("the design was expanded")

    for module in (design_module, sweep_module, cli):
        monkeypatch.setattr(module, "expand", expanded, raising=False)
    grid = [f"--grid=demand.key{k}={','.join(str(v) for v in range(10))}" for k in range(10)]
    out = tmp_path / "sweep"
    result = invoke("sweep", TUTORIAL, *grid, "--out", out)
    assert result.exit_code == 2, result.output
    assert ("error: --grid/--zip/--reps: 10,000,000,000 points x 1 replications = "
            "10,000,000,000 runs, more than the limit of 1,000,000 (SIM_MAX_RUNS)"
            in result.output)
    file = tmp_path / "design.yaml"
    file.write_text("reps: 3\ngrid: {demand.multiplier: [1, 2], run.seed: [1, 2, 3]}\n",
                    encoding="utf-8")
    monkeypatch.setenv("SIM_MAX_RUNS", "17")
    result = invoke("sweep", TUTORIAL, "--file", file, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"error: {file}: 6 points x 3 replications = 18 runs, more than the limit of 17" in (
        result.output)
    assert not out.exists()


def test_the_limit_is_the_scenarios_own():
    design = SweepFile(reps=2, grid={"a": [1, 2, 3]})
    assert check_size(design, Limits(runs=6), "design") == 6
    with pytest.raises(ScenarioError, match="6 runs, more than the limit of 5"):
        check_size(design, Limits(runs=5), "design")


VALUES = st.sampled_from([1, 2, 1.0, "a", True, [1, 2]])
KEYS = st.sampled_from(["a", "b", "c"])


@st.composite
def designs(draw) -> SweepFile:
    """Designs with repeated values and keys set by more than one part."""
    grid = draw(st.dictionaries(KEYS, st.lists(VALUES, min_size=1, max_size=3), max_size=3))
    rows = draw(st.integers(1, 3))
    zipped = draw(st.dictionaries(KEYS, st.lists(VALUES, min_size=rows, max_size=rows),
                                  max_size=2))
    sample = None
    if draw(st.booleans()):
        ranges = draw(st.dictionaries(KEYS, st.sampled_from(
            [{"low": 0, "high": 1, "integer": True}, {"low": 0, "high": 1}]),
            min_size=1, max_size=2))
        sample = {"method": draw(st.sampled_from(["random", "lhs"])), "ranges": ranges,
                  "points": draw(st.integers(1, 6)), "seed": draw(st.integers(0, 3))}
    return SweepFile(base=["z=1"], grid=grid, zip=zipped, sample=sample)


@given(designs())
def test_the_count_of_points_is_the_number_expand_makes(design):
    assert point_count(design) == len(expand(design))


# --- fingerprints -------------------------------------------------------------------------


def test_a_fingerprint_follows_what_is_simulated_not_where_files_are(scenario_copy, tmp_path):
    copy = fingerprint(load_scenario(scenario_copy()))
    assert copy == fingerprint(load_scenario(TUTORIAL))  # same settings, same table content
    edited = scenario_copy(nodes=lambda text: text.replace(",9949,", ",9950,"))
    assert fingerprint(load_scenario(edited)) != copy
    assert fingerprint(load_scenario(TUTORIAL, ["run.seed=8"])) != copy
    assert fingerprint(load_scenario(TUTORIAL, ["run.seed=8"])) == fingerprint(
        load_scenario(TUTORIAL, ["run.seed=8"]))
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", copy)
