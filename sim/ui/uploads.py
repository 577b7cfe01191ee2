"""An upload as the app takes it: a scenario's YAML with its CSV tables, or a zip of them.

The files become a mapping of relative names to bytes that `SandboxFiles` serves beside the
bundled configs; nothing is written to the server's disk. Sizes are checked before bytes are
read where they are known (each file's size, a zip's declared sizes) and again as they are
read (a zip may lie), so an upload never costs more memory than the server allows.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from sim.errors import ScenarioError
from sim.limits import Limits
from sim.scenario.files import too_big

SCENARIO_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIXES = (".csv", ".geojson")  # node and road tables; the map's county boundaries
MAX_FILES = 100  # files in one upload, a zip's included


@dataclass(frozen=True)
class UploadedFile:
    """One file as the browser sent it."""

    name: str
    size: int
    data: bytes


def upload_contents(files: Iterable[UploadedFile], limits: Limits) -> dict[str, bytes]:
    """Relative POSIX name -> bytes of every scenario and table file in the upload."""
    files = list(files)
    total = sum(file.size for file in files)
    if total > limits.upload_bytes:
        raise too_big("upload", total, limits.upload_bytes, "whole upload")
    contents: dict[str, bytes] = {}
    for file in files:
        if file.name.lower().endswith(".zip"):
            unpacked = _unzip(file, limits.upload_bytes - sum(map(len, contents.values())))
            contents.update(unpacked)
        else:
            contents[_plain_name(file.name)] = file.data
        if len(contents) > MAX_FILES:
            raise ScenarioError("upload", "", f"more than {MAX_FILES} files")
    if not any(name.endswith(SCENARIO_SUFFIXES) for name in contents):
        raise ScenarioError("upload", "", "no scenario: upload its YAML file (.yaml), with its "
                            "CSV tables or in a zip with them")
    return contents


def scenario_names(contents: dict[str, bytes]) -> list[str]:
    """The upload's scenario files, in name order."""
    return sorted(name for name in contents if name.endswith(SCENARIO_SUFFIXES))


def _plain_name(name: str) -> str:
    """A browser sends a bare file name; keep only that, whatever it sent."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if not base or base in (".", "..") or not base.endswith(SCENARIO_SUFFIXES + TABLE_SUFFIXES):
        raise ScenarioError(f"upload: {base or name}", "", "only scenario files (.yaml) and "
                            "tables (.csv), or a zip of them, can be uploaded")
    return base


def _unzip(file: UploadedFile, room: int) -> dict[str, bytes]:
    """The scenario and table files of a zip, names relative to its one top folder if all
    sit in one; no absolute names, no `..`, no links, within `room` bytes in all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        entries = [entry for entry in archive.infolist() if not entry.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        raise ScenarioError(file.name, "", "not a zip file that can be read") from None
    if len(entries) > MAX_FILES:
        raise ScenarioError(file.name, "", f"more than {MAX_FILES} files")
    names = [_zip_name(file.name, entry) for entry in entries]
    kept = [(name, entry) for name, entry in zip(names, entries, strict=True)
            if name.endswith(SCENARIO_SUFFIXES + TABLE_SUFFIXES)]
    declared = sum(entry.file_size for _, entry in kept)
    if declared > room:
        raise too_big(file.name, declared, room, "whole upload, unpacked,")
    tops = {PurePosixPath(name).parts[0] for name, _ in kept}
    strip = len(tops) == 1 and all(len(PurePosixPath(name).parts) > 1 for name, _ in kept)
    contents, unpacked = {}, 0
    for name, entry in kept:
        try:
            with archive.open(entry) as handle:
                data = handle.read(room - unpacked + 1)  # a zip may understate its sizes
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError,
                NotImplementedError):
            raise ScenarioError(file.name, "", "not a zip file that can be read") from None
        unpacked += len(data)
        if unpacked > room:
            raise too_big(file.name, unpacked, room, "whole upload, unpacked,")
        contents[posixpath.join(*PurePosixPath(name).parts[1:]) if strip else name] = data
    return contents


def _zip_name(archive: str, entry: zipfile.ZipInfo) -> str:
    mode = entry.external_attr >> 16
    name = entry.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if (stat.S_ISLNK(mode) or name.startswith("/") or ".." in parts or not parts
            or ":" in parts[0]):
        raise ScenarioError(archive, "", "a zip entry is a link or names a place outside the "
                            "zip (an absolute name or '..'): refused")
    return posixpath.normpath(name)
