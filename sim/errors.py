"""Errors a user can act on, and the one kind that is a bug.

A `UserError` always names the file (or option), the field and the problem, so the CLI can
print it and exit with code 2 instead of showing a traceback, and the app can show it on the
page. Its subclasses say where the problem came from; callers that only report it catch
`UserError`.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input or an impossible request: which file or option, which field, what is wrong
    (one or more issues)."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file = str(file)
        self.issues: list[tuple[str, str]] = [(field, problem)]
        super().__init__(self.message)

    @classmethod
    def many(cls, file: str, issues: list[tuple[str, str]]) -> UserError:
        """One error carrying several field problems of the same file."""
        error = cls(file, *issues[0])
        error.issues = list(issues)
        error.args = (error.message,)
        return error

    @property
    def field(self) -> str:
        return self.issues[0][0]

    @property
    def problem(self) -> str:
        return self.issues[0][1]

    @property
    def message(self) -> str:
        lines = []
        for field, problem in self.issues:
            where = f"{self.file}: {field}" if field else self.file
            lines.append(f"{where}: {problem}")
        return "\n".join(lines)


class ScenarioError(UserError):
    """Bad scenario input: a YAML file, a table, an override, or sizes beyond the limits."""


class OutputError(UserError):
    """Results cannot be written where asked: a folder that is not ours, no room, no rights."""


class ConservationError(RuntimeError):
    """The engine lost or duplicated parcels: a bug, never a user error."""
