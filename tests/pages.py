"""The app as tests drive it: AppTest on a chosen scenario and language, by the page's own
link parameters (?scenario=, ?lang=), so no test pays for a run of the default scenario."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from sim.ui.groups import GROUP

APP = Path(__file__).resolve().parents[1] / "app.py"


def open_page(scenario: str = "tutorial.yaml", lang: str = "en",
              timeout: float = 300) -> AppTest:
    """The page after its first run (it opens on a run of the chosen scenario)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params["scenario"] = scenario
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def open_group(at: AppTest, group: str, is_open: bool = True) -> None:
    """Open (or close) a lever group of the sidebar, as a click on its title does: its levers
    are drawn only while it is open."""
    at.session_state[GROUP + group] = is_open
    at.run()
    assert not at.exception, at.exception
