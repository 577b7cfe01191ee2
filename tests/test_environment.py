"""What sim does to the Python process: importing it changes no process-wide setting (the
environment, glibc's malloc, numpy's huge-page advice), since the app's server, Dask workers
and notebooks import it; a run turns the cycle collector off only while it runs, as it makes
no cycles."""

import gc
import json
import os
import platform
import subprocess
import sys

import pytest

from sim.engine.model import Simulation
from sim.scenario import load_scenario

from .conftest import CONFIGS, TUTORIAL

HARVEST = CONFIGS / "harvest_peak.yaml"

# the variables the process changed, numpy's huge-page advice, and the page faults for making
# and filling a 40 MB array the second time, after one was freed
PROBE = """
import json, os, resource, sys
before = dict(os.environ)
if sys.argv[1] == "sim":
    import sim, sim.api, sim.cli
import numpy
numpy.ones(5_000_000)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
numpy.ones(5_000_000)
print(json.dumps({
    "refaults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults,
    "huge_pages": bool(numpy._core.multiarray._get_madvise_hugepage()),
    "changed": sorted(key for key in before.keys() | os.environ.keys()
                      if before.get(key) != os.environ.get(key)),
}))
"""


def _probe(imports: str, huge_pages: str | None) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")
           and key not in ("GLIBC_TUNABLES", "NUMPY_MADVISE_HUGEPAGE")}
    if huge_pages is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = huge_pages
    done = subprocess.run([sys.executable, "-c", PROBE, imports], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def test_importing_sim_changes_no_process_setting():
    """After `import sim` (and the modules the app and the command import) the environment is
    as it was and numpy advises huge pages as it does without sim."""
    plain, with_sim = _probe("numpy", None), _probe("sim", None)
    assert with_sim["changed"] == plain["changed"] == []
    assert with_sim["huge_pages"] == plain["huge_pages"]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc thresholds")
def test_importing_sim_leaves_malloc_at_glibc_defaults():
    """glibc maps a 40 MB block afresh each time and unmaps it when freed, so the second one
    is faulted in again (10,000 pages of 4 kB), after `import sim` as with numpy alone. The
    probe turns numpy's huge-page advice off, with which the block would fault in 2 MB at a
    time whoever set malloc."""
    for imports in ("numpy", "sim"):
        assert _probe(imports, "0")["refaults"] > 5000, imports


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
