"""Risk files: which disruptions may happen (each risk on its own), which plans to compare
and how many replications judge them.

    scenario: ../kaifeng.yaml        # used when the command names none
    reps: 20
    set: [run.days=14, run.start_date=2026-07-06]   # for every run
    on_time_target: 0.9              # a day is bad when fewer parcels are on time
    risks:
      - name: 车辆故障
        disruptions:
          random:
            breakdowns: [{fleet: village, mtbf_h: 400, mttr_h: 8}]
    plans:                           # the first is the reference; default: the scenario
      - {name: 现状, set: []}
      - {name: 第二条分拣线, set: [facilities.park.lines=2]}

A risk's `disruptions` is the scenario's own section (docs/scenario.md, Disruptions):
scheduled and random disruptions alike. The scenario's own disruptions are left out: each
run is the scenario with one risk, or with all of them, against the scenario with none.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field, model_validator

from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.base import Share, Strict
from sim.scenario.disruptions import Disruptions
from sim.scenario.yamlio import read_model

ALL = "all"  # the variant with every risk at once
NONE = "none"  # the undisrupted run


class Risk(Strict):
    name: str = Field(min_length=1, max_length=100)
    disruptions: Disruptions


class PlanOption(Strict):
    name: str = Field(min_length=1, max_length=100)
    set: list[str] = Field(default_factory=list, max_length=200)


class RiskFile(Strict):
    scenario: str | None = None
    reps: int = Field(20, ge=2, le=1000)
    set: list[str] = Field(default_factory=list, max_length=200)
    on_time_target: Share = 0.9
    risks: list[Risk] = Field(min_length=1, max_length=50)
    plans: list[PlanOption] = Field(default_factory=lambda: [PlanOption(name="as is")],
                                    min_length=1, max_length=10)

    @model_validator(mode="after")
    def _names_differ(self) -> RiskFile:
        for what, names in (("risks", [r.name for r in self.risks]),
                            ("plans", [p.name for p in self.plans])):
            if len(set(names)) != len(names):
                raise ValueError(f"{what}: names repeat")
            if what == "risks" and {ALL, NONE} & set(names):
                raise ValueError(f"risks: {ALL!r} and {NONE!r} are reserved names")
        return self


def read_risk_file(path: Path) -> RiskFile:
    return read_model(path, RiskFile)


def with_disruptions(scenario: LoadedScenario, disruptions: Disruptions) -> LoadedScenario:
    """The scenario with these disruptions in place of its own, checked like the file's."""
    section = disruptions.model_dump(mode="json", exclude_defaults=True)
    return with_overrides(scenario, [f"disruptions={json.dumps(section, ensure_ascii=False)}"])


def combined(risks: list[Risk]) -> Disruptions:
    """Every risk's disruptions at once."""
    merged: dict = {}
    for risk in risks:
        section = risk.disruptions.model_dump(exclude_defaults=True)
        for key, value in section.items():
            if key == "random":
                for kind, items in value.items():
                    merged.setdefault("random", {}).setdefault(kind, []).extend(items)
            elif key != "resilience":
                merged.setdefault(key, []).extend(value)
    return Disruptions.model_validate(merged)
