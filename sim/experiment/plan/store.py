"""A plan folder's finished runs, one file per candidate and condition, so that a search cut
short resumes where it stopped (`sim plan` again with the same --out).

A file is named by the fingerprint of the very scenario it ran (the candidate's decisions
and the condition's overrides applied) and the replications: it is found again only by the
same runs, whatever the plan file is called or in which order the search asks.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict
from pathlib import Path

from sim.errors import OutputError
from sim.experiment.tasks import RepResult
from sim.results.folders import OutputFolder
from sim.results.jsonable import json_ready
from sim.scenario import LoadedScenario
from sim.scenario.fingerprint import fingerprint

FOLDER = "runs/"
REDO = "delete it to run those replications again"


class RunStore:
    def __init__(self, folder: OutputFolder) -> None:
        self.folder = folder

    def _name(self, scenario: LoadedScenario, reps: tuple[int, ...]) -> str:
        key = f"{fingerprint(scenario)}|{','.join(map(str, reps))}"
        return f"{FOLDER}{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"

    def get(self, scenario: LoadedScenario, reps: tuple[int, ...]) -> list[RepResult] | None:
        """The runs, if this folder has them."""
        path: Path = self.folder.path / self._name(scenario, reps)
        if not path.is_file():
            return None
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            results = [RepResult(**row) for row in rows]
            for result in results:
                result.kpis = {k: math.nan if v is None else float(v)
                               for k, v in result.kpis.items()}
        except (OSError, ValueError, TypeError) as error:
            raise OutputError(str(path), "", f"is not a plan's runs ({error}); {REDO}") from None
        if [r.rep for r in results] != list(reps):
            raise OutputError(str(path), "", f"holds other replications; {REDO}")
        return results

    def put(self, scenario: LoadedScenario, reps: tuple[int, ...],
            results: list[RepResult]) -> None:
        """Keep finished runs (not failed ones: a failure is tried again)."""
        if all(r.ok for r in results):
            self.folder.write_text(self._name(scenario, reps), json.dumps(
                json_ready([asdict(r) for r in results])) + "\n")
