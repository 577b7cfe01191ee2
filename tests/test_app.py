"""The app page runs a scenario through the same API as the CLI."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def test_app_runs_the_tutorial_and_shows_kpis():
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    assert not app.exception
    app.sidebar.selectbox[0].set_value("tutorial.yaml")
    app.sidebar.slider[0].set_value(5)
    app.sidebar.button[0].click()
    app.run()
    assert not app.exception
    labels = [metric.label for metric in app.metric]
    assert labels == ["Lead time p50 (h)", "Lead time p95 (h)", "On time", "Cost per parcel"]
    assert float(app.metric[0].value) > 0
