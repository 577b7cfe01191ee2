"""The engine against queueing theory and model identities (see docs/validation.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.validation.cases import CASES
from sim.validation.checks import DEFAULT_REPS

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


def test_report_renders_every_check():
    from sim.validation.checks import Check
    from sim.validation.report import render

    good = Check("M/D/1 sorting line", "rho = 0.5", "Wq = f", 1.0, (0.98, 1.01, 1.0, 0.99), "h")
    bad = Check("M/D/1 sorting line", "rho = 0.9", "Wq = f", 1.0, (2.0, 2.1, 1.9), "h")
    text = render([good, bad], "today")
    assert "## M/D/1 sorting line" in text and "Last generated: today." in text
    assert "| rho = 0.5 | 1 | 0.995 |" in text and text.count("| pass |") == 1
    assert "**FAIL**" in text
    assert not bad.passed and good.passed
