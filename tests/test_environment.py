"""What importing `sim` sets up for the process: numpy without huge-page advice, unless the
environment asks for it."""

import os
import subprocess
import sys

import pytest

PROBE = "import sim, numpy; print(numpy._core.multiarray._get_madvise_hugepage())"


@pytest.mark.parametrize(("setting", "expected"), [(None, "False"), ("1", "True")])
def test_numpy_huge_page_advice_follows_the_environment(setting, expected):
    env = {key: value for key, value in os.environ.items() if key != "NUMPY_MADVISE_HUGEPAGE"}
    if setting is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = setting
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == expected
