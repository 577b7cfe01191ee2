"""What sim does to the Python process: numpy without huge-page advice (unless the
environment asks for it), and no cycle collection during a run, which makes no cycles."""

import gc
import os
import subprocess
import sys

import pytest

from sim.engine.model import Simulation
from sim.scenario import load_scenario

from .conftest import CONFIGS, TUTORIAL

HARVEST = CONFIGS / "harvest_peak.yaml"

PROBE = "import sim, numpy; print(numpy._core.multiarray._get_madvise_hugepage())"


@pytest.mark.parametrize(("setting", "expected"), [(None, "False"), ("1", "True")])
def test_numpy_huge_page_advice_follows_the_environment(setting, expected):
    env = {key: value for key, value in os.environ.items() if key != "NUMPY_MADVISE_HUGEPAGE"}
    if setting is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = setting
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == expected


@pytest.mark.parametrize(("config", "days"), [(TUTORIAL, 2), (HARVEST, 3)])
def test_a_run_makes_no_reference_cycles(config, days):
    """The cycle collector is off during a run: nothing is lost, as no garbage cycles form
    (with the cold chain's lots and vehicles too), and it is on again after."""
    simulation = Simulation(load_scenario(config, [f"run.days={days}"]))
    gc.collect()
    collected_before = sum(generation["collected"] for generation in gc.get_stats())
    collecting_during = []
    simulation.run(progress=lambda now, end: collecting_during.append(gc.isenabled()))
    assert collecting_during and not any(collecting_during)
    assert gc.isenabled()
    gc.collect()
    assert sum(generation["collected"] for generation in gc.get_stats()) == collected_before
