"""The app in a real browser: Debian's chromium driven by Playwright, the page served by
streamlit on 127.0.0.1. The screenshot of a run is the one in README (docs/app.png); others
go to runs/screenshots/ to be looked at."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SIM_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "app.png"
MORE_SCREENSHOTS = ROOT / "runs" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        assert process.poll() is None, "streamlit stopped"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer")


@pytest.fixture(scope="module")
def served() -> str:
    """The app's address, served by streamlit for this module's tests."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: .ci/run installs Debian's chromium"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_stcore/health", server)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def page(served: str) -> Page:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(served, wait_until="networkidle")
        yield page
        browser.close()


def test_run_in_a_real_browser_shows_kpis_and_a_map(page):
    page.get_by_role("button", name="Run", exact=True).click(timeout=60_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=180_000)
    # lead time p50 and p95, on time, cost per parcel, cold-chain spoilage
    assert page.locator('[data-testid="stMetric"]').count() == 5
    page.get_by_role("tab", name="Cold chain").click()
    page.get_by_text("Goods by product").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Map").click()
    deck = page.locator('[data-testid="stDeckGlJsonChart"]')
    deck.locator("canvas").first.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(2000)  # let deck.gl draw
    assert page.locator('[data-testid="stException"]').count() == 0
    pixels = np.asarray(Image.open(io.BytesIO(deck.screenshot())).convert("RGB"))
    background = np.median(pixels.reshape(-1, 3), axis=0)
    drawn = np.abs(pixels.astype(int) - background).sum(axis=2) > 60
    assert drawn.mean() > 0.002, "the map is empty"
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000


def test_an_upload_naming_a_server_file_is_refused_in_the_browser(page):
    """The issue's case: a scenario naming /etc/passwd as its node table, uploaded through the
    page, ends in a message on the page that shows nothing of that file."""
    hostile = (ROOT / "configs" / "tutorial.yaml").read_text(encoding="utf-8").replace(
        "nodes: tutorial/nodes.csv", "nodes: /etc/passwd")
    assert "/etc/passwd" in hostile
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [{"name": "hostile.yaml", "mimeType": "application/x-yaml",
          "buffer": hostile.encode("utf-8")}])
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="relative name")
    alert.wait_for(timeout=60_000)
    text = page.locator("body").inner_text()
    assert "hostile.yaml: network.nodes: an uploaded scenario names files by a relative name" \
        in text
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    assert first_line not in text and "root:" not in text
    assert page.locator('[data-testid="stException"]').count() == 0
    MORE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(MORE_SCREENSHOTS / "upload-refused.png"), full_page=False)
