"""Errors a user can act on.

A `ScenarioError` always names the file, the field and the problem, so the CLI can print it
and exit with code 2 instead of showing a traceback.
"""

from __future__ import annotations


class ScenarioError(Exception):
    """Bad scenario input: which file, which field, what is wrong (one or more issues)."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file = str(file)
        self.issues: list[tuple[str, str]] = [(field, problem)]
        super().__init__(self.message)

    @classmethod
    def many(cls, file: str, issues: list[tuple[str, str]]) -> ScenarioError:
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


class ConservationError(RuntimeError):
    """The engine lost or duplicated parcels: a bug, never a user error."""
