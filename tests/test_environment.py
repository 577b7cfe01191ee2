"""What sim does to the Python process: numpy without huge-page advice (unless the
environment asks for it), and a cycle collector that leaves old objects alone during a run."""

import gc
import os
import subprocess
import sys

import pytest

from sim.engine.model import Simulation
from sim.scenario import load_scenario

from .conftest import TUTORIAL

PROBE = "import sim, numpy; print(numpy._core.multiarray._get_madvise_hugepage())"


@pytest.mark.parametrize(("setting", "expected"), [(None, "False"), ("1", "True")])
def test_numpy_huge_page_advice_follows_the_environment(setting, expected):
    env = {key: value for key, value in os.environ.items() if key != "NUMPY_MADVISE_HUGEPAGE"}
    if setting is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = setting
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == expected


def test_a_run_leaves_older_objects_to_the_collector_only_after_it():
    simulation = Simulation(load_scenario(TUTORIAL, ["run.days=2"]))
    frozen_during = []
    simulation.run(progress=lambda now, end: frozen_during.append(gc.get_freeze_count()))
    assert min(frozen_during) > 1000  # the scenario, the network, the libraries
    assert gc.get_freeze_count() == 0
