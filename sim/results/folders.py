"""Output folders a command owns: claimed before anything runs, listed as they fill, and
cleaned of what they list, never of anything else.

A folder holds one kind of output (a run, a sweep, a capacity search) and a small manifest,
`.sim-output.json`, naming the kind and every file written there. Claiming a folder:

- missing or empty: it is created and marked with a manifest, whose writing proves the
  folder writable before any simulation starts;
- an earlier output of the same kind: every file its manifest lists is removed, the one that
  marks the output complete first, and no other file; a sweep is resumed instead, its files
  kept;
- anything else (a file, someone's files, another kind's output): refused, and so is a
  folder where the command would overwrite or remove an input of its scenario.

A file is listed before its temporary file is created, so a process killed at any moment
leaves a folder the next claim cleans completely. Files are written under a temporary name
and renamed into place; the name carries a marker and the writer's process id
(`.<name>.sim-<pid>-<random>.tmp`), so only leftovers of the command's own files, of
processes no longer running, are ever removed. Like any file the user makes, they get the
user's umask. Any OSError while writing becomes an `OutputError` naming the file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sim.errors import OutputError

MANIFEST = ".sim-output.json"
_TEMP = re.compile(r"^\.(?P<name>.+)\.sim-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")
_SHOWN = 5  # names of foreign files a refusal quotes


@dataclass(frozen=True)
class Kind:
    """One command's output: the files it may write (a name ending in "/" is a folder of its
    own files), the one written last that says the output is complete, and whether an
    earlier output is resumed rather than replaced."""

    name: str
    files: frozenset[str]
    last: str | None = None
    resumed: bool = False

    def owns(self, name: str) -> bool:
        """Whether `name` (relative, POSIX) is a file this kind writes."""
        return name in self.files or any(
            entry.endswith("/") and name.startswith(entry) for entry in self.files)

    def entry(self, name: str) -> str:
        """What the manifest lists for file `name`: the name, or the folder holding it."""
        return next((entry for entry in self.files
                     if entry.endswith("/") and name.startswith(entry)), name)


RUN = Kind("run", frozenset({
    "summary.json", "parcels.parquet", "facility_hours.parquet", "trips.parquet",
    "lots.parquet", "freight_trips.parquet", "bottlenecks.csv", "scenario.yaml",
    "disruptions.csv", "recovery.csv", "recovery_by_day.csv", "resilience_by_county.csv",
    "replications.csv", "replication_kpis.csv", "parcels/", "parts/"}), last="summary.json")
CAPACITY = Kind("capacity", frozenset({"analytic.csv", "capacity.json"}), last="capacity.json")
SWEEP = Kind("sweep", frozenset({"sweep.json", "points/", "runs.parquet", "points.csv"}),
             resumed=True)


def cannot(action: str, path: Path, error: OSError) -> OutputError:
    """An OSError as the user's problem: which file, what the system said."""
    reason = os.strerror(error.errno) if error.errno else (error.strerror or str(error))
    return OutputError(str(path), "", f"cannot be {action} ({reason})")


def temp_path(path: Path) -> Path:
    """A temporary name beside `path`, unique to this process and this call."""
    return path.with_name(f".{path.name}.sim-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) on a new temporary file beside `path`, then rename it over `path`;
    on any failure the temporary file is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    # 0o666 before the umask, as open() gives any file the user makes (mkstemp gives 0o600)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class OutputFolder:
    """A claimed folder: writes its kind's files, each listed in the manifest first."""

    def __init__(self, path: Path, kind: Kind, listed: Iterable[str], created: bool) -> None:
        self.path = path
        self.kind = kind
        self._listed = list(dict.fromkeys(listed))
        self._created = created
        self._lock = threading.Lock()  # parcels.parquet is written on a second thread

    def __str__(self) -> str:
        return str(self.path)

    def write(self, name: str, write: Callable[[Path], None]) -> Path:
        """Write file `name` (a POSIX name inside the folder) through a temporary file."""
        target = self.path / name
        self._list(name)
        try:
            atomic_write(target, write)
        except OSError as error:
            raise cannot("written", target, error) from None
        return target

    def write_text(self, name: str, text: str) -> Path:
        return self.write(name, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def expect(self, *names: str) -> None:
        """List files (or folders, ending in "/") that other processes will write here,
        before they start: a run split by city writes its pieces from its workers."""
        for name in names:
            self._list(name)

    def remove_tree(self, name: str) -> None:
        """Remove a listed folder of this output's own files and unlist it."""
        self._remove_files(name)
        with self._lock:
            self._listed = [entry for entry in self._listed if entry != f"{name}/"]
            self._save()

    def _remove_files(self, name: str) -> None:
        target = self.path / name
        try:
            if target.is_dir():
                for file in sorted(target.rglob("*"), reverse=True):
                    file.rmdir() if file.is_dir() else file.unlink()
                target.rmdir()
        except OSError as error:
            raise cannot("removed", target, error) from None

    def remove(self, name: str) -> None:
        target = self.path / name
        try:
            target.unlink(missing_ok=True)
        except OSError as error:
            raise cannot("removed", target, error) from None

    def clear(self) -> None:
        """Remove every listed file, the one that marks the output complete first."""
        listed = self._listed
        for name in sorted(listed, key=lambda n: n != self.kind.last):
            if name.endswith("/"):
                self._remove_files(name[:-1])
            else:
                self.remove(name)
        with self._lock:
            self._listed = []
            self._save()

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """A command that fails before writing anything leaves no folder it made, and no
        manifest in an empty folder it was given."""
        if error is None or self._listed:
            return
        if self._created:
            _remove_empty(self.path)
        else:
            with suppress(OSError):
                (self.path / MANIFEST).unlink(missing_ok=True)

    def _list(self, name: str) -> None:
        if not self.kind.owns(name):
            raise ValueError(f"a {self.kind.name} does not write {name!r}")
        entry = self.kind.entry(name)
        with self._lock:
            if entry not in self._listed:
                self._listed.append(entry)
                self._save()

    def _save(self, claiming: bool = False) -> None:
        """Write the manifest (with the lock held, or before any thread starts). When
        claiming, a failure is the folder's: it cannot be written to."""
        document = {"written_by": "sim", "kind": self.kind.name, "files": self._listed}
        manifest = self.path / MANIFEST
        try:
            atomic_write(manifest, lambda tmp: tmp.write_text(
                json.dumps(document, indent=1) + "\n", encoding="utf-8"))
        except OSError as error:
            raise (cannot("written to", self.path, error) if claiming
                   else cannot("written", manifest, error)) from None

    def remove_leftovers(self) -> None:
        """Remove temporary files of listed files (and of the manifest) whose writer is no
        longer running: what a killed process left."""
        for leftover in list(_leftovers(self.path, self._listed)):
            self.remove(str(leftover.relative_to(self.path)))


def claim(path: Path, kind: Kind, inputs: Iterable[Path] = (),
          accept: Callable[[Path], None] | None = None) -> OutputFolder:
    """Make `path` this command's folder, or refuse with an `OutputError` before anything is
    changed. `accept(path)` may refuse an earlier output of the same kind (a sweep of
    another scenario)."""
    path = Path(path)
    _check_inputs(path, kind, inputs)
    return _take(path, kind, _make(path), accept)


def claim_new(parent: Path, stem: str, kind: Kind) -> OutputFolder:
    """A new folder `parent/stem`, or `stem-2`, `stem-3`, ... if taken: never an existing
    one, even when another process picks the same name at the same moment."""
    for number in range(1, 10_000):
        path = parent / (stem if number == 1 else f"{stem}-{number}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as error:
            raise cannot("created", path, error) from None
        return _take(path, kind, created=True)
    raise OutputError(str(parent / stem), "", "every numbered folder of this name is taken")


def _take(path: Path, kind: Kind, created: bool,
          accept: Callable[[Path], None] | None = None) -> OutputFolder:
    try:
        listed = _earlier(path, kind)
        if accept is not None:
            accept(path)
        folder = OutputFolder(path, kind, listed, created)
        folder._save(claiming=True)  # proves the folder writable before anything runs
    except BaseException:
        if created:
            _remove_empty(path)
        raise
    folder.remove_leftovers()
    if not kind.resumed:
        folder.clear()
    return folder


def _remove_empty(path: Path) -> None:
    """Remove a folder this command made, with its manifest, unless it holds more."""
    with suppress(OSError):  # something else is in it: leave it all
        (path / MANIFEST).unlink(missing_ok=True)
        path.rmdir()


def _make(path: Path) -> bool:
    """Create the folder if it is missing; whether this call created it."""
    if path.is_dir():
        return False
    if path.exists():
        raise OutputError(str(path), "", "is a file, not a folder: choose a folder for the "
                          "output")
    try:
        path.mkdir(parents=True)
    except FileExistsError:
        return False
    except OSError as error:
        raise cannot("created", path, error) from None
    return True


def _earlier(path: Path, kind: Kind) -> list[str]:
    """What an earlier output of this kind listed ([] for an empty folder); anything else
    is refused."""
    manifest = path / MANIFEST
    try:
        present = [entry for entry in path.iterdir() if not _leftover_manifest(entry)]
        text = manifest.read_text(encoding="utf-8") if manifest.is_file() else None
    except OSError as error:
        raise cannot("read", path, error) from None
    if text is None:
        if present:
            names = ", ".join(sorted(entry.name for entry in present)[:_SHOWN])
            more = ", ..." if len(present) > _SHOWN else ""
            raise OutputError(str(path), "", f"is not empty and not the output of an earlier "
                              f"sim {kind.name} (it holds {names}{more}); choose a new or "
                              "empty folder")
        return []
    listed = _manifest_files(text)
    if listed is None:
        raise OutputError(str(manifest), "", "is not a manifest this program wrote (edited or "
                          "cut short?); remove the folder or choose another")
    other, files = listed
    if other != kind.name:
        raise OutputError(str(path), "", f"holds the output of sim {other}, not of sim "
                          f"{kind.name}; choose a new or empty folder")
    if not all(kind.owns(name) for name in files):
        raise OutputError(str(manifest), "", f"lists files a sim {kind.name} never writes; "
                          "remove the folder or choose another")
    return files


def _manifest_files(text: str) -> tuple[str, list[str]] | None:
    """(kind, listed names) of a manifest's text; None if it is not one of ours."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("written_by") != "sim":
        return None
    kind, files = document.get("kind"), document.get("files")
    if not isinstance(kind, str) or not isinstance(files, list):
        return None
    if not all(isinstance(name, str) and _plain(name) for name in files):
        return None
    return kind, files


def _plain(name: str) -> bool:
    """A relative POSIX name inside the folder: no '..', not absolute, not empty."""
    parts = name.rstrip("/").split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..")
                                                            for p in parts)


def _check_inputs(path: Path, kind: Kind, inputs: Iterable[Path]) -> None:
    """Refuse a folder where this command would overwrite or remove one of its inputs."""
    root = path.resolve()
    for source in inputs:
        resolved = Path(source).resolve()
        if not resolved.is_relative_to(root):
            continue
        name = resolved.relative_to(root).as_posix()
        if name == MANIFEST or kind.owns(name):
            raise OutputError(str(source), "", f"is an input of this {kind.name}, and writing "
                              f"to {path} would overwrite or remove it; choose another folder")


def _leftovers(path: Path, listed: list[str]) -> Iterator[Path]:
    """Temporary files of the listed files and of the manifest whose writer has ended."""
    places = [path, *(path / entry for entry in listed if entry.endswith("/"))]
    for place in places:
        candidates = place.iterdir() if place == path else place.rglob("*.tmp")
        for candidate in candidates:
            match = _TEMP.match(candidate.name)
            if match is None or _running(int(match["pid"])) or not candidate.is_file():
                continue
            target = (candidate.parent / match["name"]).relative_to(path).as_posix()
            if target == MANIFEST or target in listed or place != path:
                yield candidate


def _leftover_manifest(entry: Path) -> bool:
    """A manifest's temporary file left by a process killed while claiming this folder."""
    match = _TEMP.match(entry.name)
    return match is not None and match["name"] == MANIFEST and not _running(int(match["pid"]))


def _running(pid: int) -> bool:
    """Whether process `pid` exists (another user's counts: its files are not ours)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
