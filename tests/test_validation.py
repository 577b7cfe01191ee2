"""The engine against queueing theory and model identities (see docs/validation.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.validation.checks import CASES, DEFAULT_REPS

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_passes(case):
    checks = list(CASES[case](DEFAULT_REPS))
    assert checks
    for check in checks:
        low, high = check.interval
        assert check.passed, (f"{check.case}, {check.setting}: theory {check.theory:.5g}, "
                              f"simulated {check.mean:.5g} in [{low:.5g}, {high:.5g}]")


def test_committed_report_is_all_passes():
    text = DOC.read_text(encoding="utf-8")
    verdicts = re.findall(r"\| (pass|\*\*FAIL\*\*) \|$", text, flags=re.MULTILINE)
    assert len(verdicts) >= 15
    assert set(verdicts) == {"pass"}
