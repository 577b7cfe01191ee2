"""Serve the page with its modules already imported.

Streamlit imports a page's modules when its first visitor arrives, so that visitor would
wait for pandas, pyarrow, scipy, pydeck and the model to load (about 2 s) before seeing
anything. `sim app` starts the server through here instead: the imports happen while the
server starts, and every visitor, the first included, meets a warm process.

    python -m sim.ui.serve [streamlit run options]
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE_MODULES = ("sim.ui.answers", "sim.ui.cards", "sim.ui.pins", "sim.ui.province",
                "sim.ui.session", "sim.ui.sidebar", "sim.ui.tabs", "sim.ui.maps", "sim.api",
                "altair", "streamlit.emojis")  # the first st.info imports it: 0.2 s


def warm() -> None:
    """Import what the page's script imports, so its first run finds it loaded."""
    for name in PAGE_MODULES:
        importlib.import_module(name)


def main(options: list[str] | None = None) -> int:
    """`streamlit run app.py` with `options`, in a process that has the page's modules."""
    from streamlit.web import cli

    warm()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if options is None else options)]
    try:
        cli.main()
    except SystemExit as stopped:
        return stopped.code if isinstance(stopped.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
