"""What sim does to the Python process: numpy without huge-page advice and glibc's malloc
keeping big blocks (unless the environment says otherwise), and no cycle collection during a
run, which makes no cycles."""

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


# page faults for making and filling a 40 MB array the second time, after one was freed
REFAULTS = """
import resource, sim, numpy
numpy.ones(5_000_000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
numpy.ones(5_000_000)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _without_malloc_settings() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith("MALLOC_") and key != "GLIBC_TUNABLES"}


@pytest.mark.parametrize(("extra", "reused"), [({}, True), ({"MALLOC_ARENA_MAX": "2"}, False)])
def test_big_blocks_are_reused_unless_the_environment_sets_malloc(extra, reused):
    """A freed 40 MB block is taken again without faulting its pages in again (10,000 of
    4 kB); a MALLOC_* setting in the environment leaves glibc's defaults, which map and
    unmap such blocks each time."""
    done = subprocess.run([sys.executable, "-c", REFAULTS],
                          env={**_without_malloc_settings(), **extra}, capture_output=True,
                          text=True, check=True)
    refaults = int(done.stdout)
    assert refaults < 1000 if reused else refaults > 5000


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
