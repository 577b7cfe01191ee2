"""Where a scenario may read files from: the trust boundary between a user and the machine.

A scenario names other files: the scenario it `extends`, its node and road tables. On the
command line its user owns the machine and may name any path (`LocalFiles`). In the app a
scenario comes from someone else: it may name only the files uploaded with it and the
bundled configs/, by relative names without `..` (`SandboxFiles`), and messages name files
as the scenario does, never by their place on the server.

Either way a file is read only up to its size limit (known before it is read, so a 50 MB
file or /dev/zero costs nothing), and the bytes are checked by the reader that parses them;
messages about a file that is not what it should be never quote its content.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from sim.errors import ScenarioError
from sim.limits import MIB, Limits, command_limits


def _size_text(size: int) -> str:
    return f"{size / MIB:,.1f} MB" if size >= MIB else f"{size:,} bytes"


def too_big(label: str, size: int, limit: int, what: str) -> ScenarioError:
    """The error for a file over its limit."""
    return ScenarioError(label, "", f"{_size_text(size)}, more than the {_size_text(limit)} "
                         f"a {what} may have")


@dataclass(frozen=True)
class LocalFiles:
    """The command line's files: any path, relative to the file that names it."""

    limits: Limits = field(default_factory=command_limits)

    def locate(self, reference: str, beside: Path, source: str, key: str) -> Path:
        """The file `reference` (written in `source` at `key`) names, relative to `beside`."""
        _check_text(reference, source, key)
        path = Path(reference)
        return path if path.is_absolute() else beside / path

    def read(self, path: Path, limit: int, what: str) -> bytes:
        """The file's bytes; refused beyond `limit` bytes before they are read."""
        return read_bounded(path, self.label(path), limit, what)

    def label(self, path: Path) -> str:
        return str(path)


@dataclass(frozen=True)
class SandboxFiles:
    """The app's files: those uploaded with the scenario, then the bundled folder `root`.

    Uploaded files sit in `root` virtually (an upload's `my.yaml` is `root/my.yaml`), so an
    upload may extend a bundled scenario and use bundled tables by the same names a bundled
    scenario would; an uploaded file of the same name wins over a bundled one.
    """

    root: Path
    uploads: Mapping[str, bytes] = field(default_factory=dict)  # POSIX relative name -> bytes
    limits: Limits = field(default_factory=Limits)

    def locate(self, reference: str, beside: Path, source: str, key: str) -> Path:
        _check_text(reference, source, key)
        written = PurePosixPath(reference)
        if (written.is_absolute() or PureWindowsPath(reference).drive or "\\" in reference
                or ".." in written.parts):
            raise ScenarioError(source, key, "an uploaded scenario names files by a relative "
                                "name without '..': only files uploaded with it and the "
                                "bundled configs can be read")
        return self.root / self._name(beside / written)

    def read(self, path: Path, limit: int, what: str) -> bytes:
        name = self._name(path)
        label = self.label(path)
        if name in self.uploads:
            data = self.uploads[name]
            if len(data) > limit:
                raise too_big(label, len(data), limit, what)
            return data
        bundled = (self.root / name).resolve()
        if not bundled.is_relative_to(self.root.resolve()) or not bundled.is_file():
            raise ScenarioError(label, "", "file not found among the uploaded files and "
                                "the bundled configs")
        return read_bounded(bundled, label, limit, what)

    def label(self, path: Path) -> str:
        """A file's name as the scenario writes it, relative to the root: never the server's
        folder."""
        return self._name(path)

    def _name(self, path: Path) -> str:
        """`path` as a normalised POSIX name relative to the root ('' outside it)."""
        relative = os.path.relpath(path, self.root) if Path(path).is_absolute() else str(path)
        name = posixpath.normpath(relative.replace(os.sep, "/"))
        return "" if name.startswith("..") or name == "." else name


Files = LocalFiles | SandboxFiles


def read_bounded(path: Path, label: str, limit: int, what: str) -> bytes:
    """A file's bytes, refused beyond `limit` bytes before they are read; messages call it
    `label`."""
    try:
        if not path.is_file():
            raise ScenarioError(label, "", "file not found" if not path.exists()
                                else "not a regular file")
        size = path.stat().st_size
        if size > limit:
            raise too_big(label, size, limit, what)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # /proc files say they are empty
    except OSError as error:
        raise ScenarioError(label, "", f"cannot be read ({error.strerror})") from None
    if len(data) > limit:
        raise too_big(label, len(data), limit, what)
    return data


def _check_text(reference: object, source: str, key: str) -> None:
    if not isinstance(reference, str) or not reference.strip() or "\x00" in reference:
        raise ScenarioError(source, key, "expected a file name")
