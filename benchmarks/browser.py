"""The app in a real browser: Streamlit serving app.py on 127.0.0.1, Debian's chromium driven
by Playwright. Shared by the browser test and the app's speed benchmark.

Never a browser a test tool downloads: chromium is the system's (`apt-get install
chromium`), or wherever SIM_CHROMIUM says.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SIM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1500, "height": 1000}
# the page's state, as Streamlit marks it on its root: "running" while the script (or a
# fragment) runs
SETTLED = ("() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
           " return app && app.getAttribute('data-test-script-state') === 'notRunning'; }")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("streamlit stopped")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer")


@contextmanager
def served(environ: dict[str, str] | None = None) -> Iterator[str]:
    """The app's address while Streamlit serves it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.ui.serve",  # as `sim app` serves it
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, **(environ or {})})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_stcore/health", server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(page: Page, timeout_ms: float = 300_000, quiet_ms: float = 400) -> None:
    """Wait until the page's script and fragments have stopped running, and stayed stopped
    for `quiet_ms` (a click's rerun starts a moment after the click)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        page.wait_for_function(SETTLED, timeout=max(deadline - time.monotonic(), 0) * 1000)
        page.wait_for_timeout(quiet_ms)
        if page.evaluate(SETTLED):
            return


def open_app(browser: Browser, address: str, watch: str | None = None, **query: str) -> Page:
    """A new page on the app, e.g. open_app(browser, url, lang="zh", scenario="tutorial.yaml");
    returned as soon as it loads (its first run may still be going on). `watch` is a script
    run in the page before any of its own (to observe it from its first moment)."""
    page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
    if watch:
        page.add_init_script(watch)
    link = "&".join(f"{key}={value}" for key, value in query.items())
    page.goto(f"{address}?{link}" if link else address, wait_until="domcontentloaded")
    return page
