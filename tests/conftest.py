"""Shared fixtures: the shipped scenarios and a way to make broken copies of them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from sim import api
from sim.results import Results
from sim.scenario.yamlio import dump_yaml, read_yaml

# CI runs the same examples every time; HYPOTHESIS_PROFILE=explore searches new ones.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40)
settings.register_profile("explore", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
TUTORIAL = CONFIGS / "tutorial.yaml"
KAIFENG = CONFIGS / "kaifeng.yaml"


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy the tutorial (YAML + nodes table) into tmp_path, optionally edited.

    edit(raw_dict) may change the YAML in place; nodes(text) may rewrite the CSV text.
    """

    def make(edit: Callable[[dict], None] | None = None,
             nodes: Callable[[str], str] | None = None, name: str = "scenario.yaml") -> Path:
        table_dir = tmp_path / "tutorial"
        table_dir.mkdir(exist_ok=True)
        source = CONFIGS / "tutorial" / "nodes.csv"
        text = source.read_text(encoding="utf-8")
        (table_dir / "nodes.csv").write_text(nodes(text) if nodes else text, encoding="utf-8")
        raw = read_yaml(TUTORIAL)
        if edit:
            edit(raw)
        path = tmp_path / name
        path.write_text(dump_yaml(raw), encoding="utf-8")
        return path

    return make


def run_tutorial(*overrides: str) -> Results:
    """One replication of the tutorial with dotted overrides."""
    return api.run(TUTORIAL, list(overrides))


@pytest.fixture
def copy_configs(tmp_path: Path) -> Path:
    """A private copy of configs/ for tests that write next to scenarios."""
    target = tmp_path / "configs"
    shutil.copytree(CONFIGS, target, ignore=shutil.ignore_patterns("source"))
    return target
