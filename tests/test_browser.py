"""The app in a real browser, in Chinese and in English: Debian's chromium driven by Playwright,
the page served by streamlit on 127.0.0.1 (benchmarks/browser.py).

It opens the default scenario (Kaifeng) and checks what a planner meets: the network before
any run, the KPI cards, tooltips with nothing left unfilled, a sweep with a bad value, the
report, and a pinned run of another network never used for deltas. It saves a screenshot of
every tab in both languages into docs/screenshots/; README shows the Chinese map
(docs/app.png)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page
from scipy import ndimage

from benchmarks.browser import ROOT, VIEWPORT, chromium, open_app, served, settle
from sim.i18n import _, speaking
from sim.results.names import TIERS
from sim.scenario.yamlio import read_yaml
from sim.ui.disruption_map import SLOWED
from sim.ui.maps import GREEN

SCREENSHOTS = ROOT / "docs" / "screenshots"
README_PICTURE = ROOT / "docs" / "app.png"
TABS = ["Map", "Lead times", "Facilities", "Bottlenecks", "Sweep", "Compare", "Downloads",
        "Cold chain", "Plan"]
# the main block's tabs, marked, and whether after a rerun they are that element still and
# at the same place among their siblings
MAIN_TABS = """document.querySelector('[data-testid="stMain"] [data-testid="stTabs"]')"""
MARK_TABS = f"""() => {{ const tabs = {MAIN_TABS};
  tabs.__kept = [...tabs.parentElement.parentElement.children].indexOf(tabs.parentElement); }}"""
TABS_KEPT = f"""() => {{ const tabs = {MAIN_TABS};
  return [tabs.__kept !== undefined,
          [...tabs.parentElement.parentElement.children].indexOf(tabs.parentElement)
            === tabs.__kept]; }}"""
TIP = "() => { const tip = document.querySelector('.deck-tooltip');" \
      " return tip && getComputedStyle(tip).display !== 'none' ? tip.innerText : ''; }"
# notes whether the landing map was drawn, and whether any KPI card was there by then
LANDING_SEEN = """
new MutationObserver(() => {
  if (!window.landingSeen
      && document.querySelector('.st-key-landing [data-testid="stImage"] img')) {
    window.landingSeen = document.querySelector('[data-testid="stMetric"]')
      ? "after the KPIs" : "before the KPIs";
  }
}).observe(document, {childList: true, subtree: true});
"""
UNFILLED = re.compile(r"[{}]|(^|\s)-(\s|$)|\bNone\b|\bnan\b")


@pytest.fixture(scope="module")
def browser():
    with served() as address, chromium() as browser:
        browser.address = address
        yield browser


def words(lang: str, message: str) -> str:
    with speaking(lang):
        return _(message)


def tab(page: Page, lang: str, name: str) -> None:
    page.get_by_role("tab", name=words(lang, name), exact=True).click()
    settle(page)
    page.wait_for_timeout(1500)  # let charts and the map draw


def no_exception(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()


def tooltips(page: Page, blobs: int = 150, strokes: int = 250) -> list[str]:
    """The tooltips found by hovering the map where something is drawn: the middle of
    every small round patch of one colour (places), and random drawn pixels (loops)."""
    box, pixels = map_pixels(page)
    background = np.median(pixels.reshape(-1, 3), axis=0)
    drawn = np.abs(pixels - background).sum(axis=2) > 120
    assert drawn.sum() > 500, "the map is empty"
    code = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    places = []
    for colour in np.unique(code[drawn]):
        patches, _count = ndimage.label(code == colour)
        for found in ndimage.find_objects(patches):
            high, wide = found[0].stop - found[0].start, found[1].stop - found[1].start
            if 2 <= high <= 24 and 2 <= wide <= 24 and abs(high - wide) <= 2:
                places.append(((found[0].start + found[0].stop) / 2,
                               (found[1].start + found[1].stop) / 2))
    rng = np.random.default_rng(7)
    points = [places[i] for i in rng.permutation(len(places))[:blobs]]
    lines = np.argwhere(drawn)
    points += [tuple(lines[i]) for i in rng.choice(len(lines), size=strokes)]
    return tooltips_at(page, box, points, pause_ms=25)


def map_pixels(page: Page) -> tuple[dict, np.ndarray]:
    """The map, scrolled whole into view: its box on the page and its pixels (RGB)."""
    deck = page.locator('[data-testid="stDeckGlJsonChart"]').first
    deck.locator("canvas").first.wait_for(state="visible", timeout=60_000)
    deck.evaluate("chart => chart.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    pixels = np.asarray(Image.open(io.BytesIO(deck.screenshot())).convert("RGB")).astype(int)
    return deck.bounding_box(), pixels


def tooltips_at(page: Page, box: dict, points, pause_ms: int) -> list[str]:
    """The distinct tooltips shown when hovering each (y, x) point of the map."""
    seen = []
    for y, x in points:
        page.mouse.move(box["x"] + float(x), box["y"] + float(y))
        page.wait_for_timeout(pause_ms)
        text = page.evaluate(TIP)
        if text and text not in seen:
            seen.append(text)
    return seen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_planner_s_session_in_the_browser(browser, lang):
    page = open_app(browser, browser.address, lang=lang, watch=LANDING_SEEN)
    # the network shows while the first run is worked out, before any KPI
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    no_exception(page)
    assert page.evaluate("() => window.landingSeen") == "before the KPIs"
    assert page.locator(".st-key-landing").count() == 0  # gone once the results are there

    # every tab, as a planner sees it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(TABS, start=1):
        tab(page, lang, name)
        no_exception(page)
        slug = name.lower().replace(" ", "-")
        page.screenshot(path=str(SCREENSHOTS / f"{lang}-{number}-{slug}.png"))
        if name == "Map" and lang == "zh":
            page.screenshot(path=str(README_PICTURE))

    # hovering villages and loops fills every tooltip
    tab(page, lang, "Map")
    hover_tooltips(page, lang, villages=3, stations=0, loops=2)

    # the first move of the day slider redraws the map inside the tabs as they are: the
    # page keeps its shape, so React does not build the tabs again (with the map and a new
    # WebGL context: half a second in software rendering, more with the other tabs). Not
    # counted by WebGL contexts: Streamlit's own clearing race sometimes rebuilds the map
    # alone (docs/performance.md)
    page.evaluate(MARK_TABS)
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    settle(page)
    no_exception(page)
    assert page.evaluate(TABS_KEPT) == [True, True]  # the same element, in the same place
    slider.press("End")  # back to the last day, as the map opens
    settle(page)

    # a sweep with a value that is not a number says so
    tab(page, lang, "Sweep")
    values = page.get_by_label(words(lang, "Values, separated by commas"))
    values.fill("1, 2, three")
    values.press("Enter")
    settle(page)
    page.get_by_role("button", name=words(lang, "Run sweep")).click()
    settle(page)
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert any("three" in text for text in alerts), alerts
    no_exception(page)

    # the report downloads and opens in the browser
    tab(page, lang, "Downloads")
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=words(lang, "Report (HTML, prints to PDF)")).click()
    report = ROOT / "runs" / "screenshots" / f"report-{lang}.html"
    report.parent.mkdir(parents=True, exist_ok=True)
    download.value.save_as(report)
    opened = browser.new_page()
    opened.goto(report.as_uri())
    assert opened.locator("svg").count() >= 2
    assert ("杞县" in opened.locator("body").inner_text())
    opened.screenshot(path=str(SCREENSHOTS / f"{lang}-report.png"), full_page=True)
    opened.close()

    # a pinned Kaifeng run is never the delta base of a tutorial run
    choose(page, words(lang, "Scenario"), "tutorial.yaml")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    kaifeng = read_yaml(ROOT / "configs" / "kaifeng.yaml")["name"]
    choose(page, words(lang, "Deltas against"), kaifeng)
    warning = words(lang, "No changes shown: the baseline is a run of another network "
                          "({scenario}). Choose a run of this network under \"Deltas against\".")
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert any(warning.split("{")[0] in text for text in alerts), alerts
    assert page.locator('[data-testid="stMetricDeltaIcon"]').count() == 0
    no_exception(page)
    # on the smaller network, stations are large enough to hover too
    tab(page, lang, "Map")
    hover_tooltips(page, lang, villages=1, stations=2, loops=2)
    page.close()


def test_the_plan_tab_draws_the_changes_and_the_frontier(browser):
    """The tutorial's plan searched on the page, in Chinese: the changed stations on a map
    drawn with something on it, the frontier chart, no exception."""
    page = open_app(browser, browser.address, lang="zh", scenario="tutorial.yaml")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    tab(page, "zh", "Plan")
    page.get_by_role("button", name=words("zh", "Search for the plan")).click()
    panel = page.locator('[role="tabpanel"]:visible')
    panel.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=300_000)
    settle(page)
    page.wait_for_timeout(1500)
    no_exception(page)
    assert "日均成本：规划方案" in panel.inner_text()  # the plan's cost a day against now
    assert panel.locator('[data-testid="stDataFrame"]').count() == 2  # changes, targets
    deck = panel.locator('[data-testid="stDeckGlJsonChart"]').first
    deck.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    pixels = np.asarray(Image.open(io.BytesIO(deck.screenshot())).convert("RGB")).astype(int)
    assert (np.abs(pixels - pixels[0, 0]).sum(axis=2) > 60).mean() > 0.01  # drawn, not blank
    page.screenshot(path=str(SCREENSHOTS / "zh-plan.png"), full_page=True)
    page.close()


def test_the_disruptions_tab_shows_the_recovery_in_the_browser(browser):
    """The July 2021 rainstorm in Chinese, as it first runs (a week past the day its last
    disruption ends, against its undisrupted twin): the tab of disruptions and recovery with
    its figures, both charts and both tables, in words, never in codes; and the map with the
    flooded roads, whose tooltips say what and when."""
    page = open_app(browser, browser.address, lang="zh", scenario="rainstorm_2021.yaml")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    no_exception(page)
    tab(page, "zh", "Disruptions and recovery")
    panel = page.locator('[role="tabpanel"]:visible')
    panel.locator('[data-testid="stVegaLiteChart"]').nth(1).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    no_exception(page)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2700})  # the whole tab
    settle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENSHOTS / "zh-disruptions.png"))
    page.set_viewport_size(VIEWPORT)
    text = panel.inner_text()  # the tables are drawn on a canvas: not in it
    for said in ("Against the same run undisrupted", "What was disrupted", "By county",
                 "extra delay", "recovered"):
        assert words("zh", said) in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no snake_case codes
    assert panel.locator('[data-testid="stDataFrame"]').count() == 2
    tab(page, "zh", "Map")
    seen = coloured_tooltips(page, SLOWED)  # the roads slowed on the map's day
    roads = [text for text in seen if text.startswith(words("zh", "Road {a} to {b}")[:3])]
    said = re.compile(r"(尉氏通许村道积水|高速公路积水限速)：车速降至50%\n"
                      r"7月2\d日 \d\d:00至7月27日 00:00")  # by name, what it does, when
    assert any(said.search(text) for text in roads), seen
    for text in seen:
        assert not UNFILLED.search(text), text
    page.screenshot(path=str(SCREENSHOTS / "zh-disruptions-map.png"))
    page.close()


def test_the_province_view_in_the_browser(browser):
    """Three cities of Henan in Chinese, as a province: its cities run apart, the answers and
    the cards for all of them, the counties on the map (one point each, whose tooltips say
    in words which county, in which city, how many parcels, how many on time), the tables of
    cities and counties, in words, never in codes."""
    page = open_app(browser, browser.address, lang="zh", scenario="henan_three_cities.yaml")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()  # the tables are drawn on a canvas: not in it
    for said in ("Counties on the map", "Cities", "Counties"):
        assert words("zh", said) in text
    assert "鹤壁市快递物流分拨中心" in text and "淇县" in text  # names as the node table's
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no snake_case codes
    assert main.locator('[data-testid="stDataFrame"]').count() == 2
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2000})  # the whole view
    settle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENSHOTS / "zh-province.png"))
    seen = coloured_tooltips(page, GREEN, points=20)  # counties on time
    counties = set(read_nodes_column("henan/three_cities.csv", "county"))
    assert any(text.splitlines()[0] in counties and "准时率：" in text for text in seen), seen
    for text in seen:
        assert not UNFILLED.search(text), text
    page.set_viewport_size(VIEWPORT)
    page.close()


def read_nodes_column(table: str, column: str) -> list[str]:
    """One column of a bundled node table, as written."""
    with (ROOT / "configs" / table).open(encoding="utf-8-sig", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle) if row[column]]


def coloured_tooltips(page: Page, colour: tuple[int, int, int], points: int = 40) -> list[str]:
    """The tooltips at pixels of the map drawn in about this colour (a few: hovering a map
    of a county's every road is slow in software rendering)."""
    box, pixels = map_pixels(page)
    found = np.argwhere(np.abs(pixels - np.array(colour)).sum(axis=2) < 40)
    assert len(found), f"nothing drawn in {colour}"
    chosen = found[np.random.default_rng(7).permutation(len(found))[:points]]
    return tooltips_at(page, box, chosen, pause_ms=150)


def test_an_upload_naming_a_server_file_is_refused_in_the_browser(browser):
    """A scenario naming /etc/passwd as its node table, uploaded through the page, ends in a
    message on the page that shows nothing of that file."""
    page = open_app(browser, browser.address, lang="en", scenario="tutorial.yaml")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    settle(page)
    hostile = (ROOT / "configs" / "tutorial.yaml").read_text(encoding="utf-8").replace(
        "nodes: tutorial/nodes.csv", "nodes: /etc/passwd")
    assert "/etc/passwd" in hostile
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [{"name": "hostile.yaml", "mimeType": "application/x-yaml",
          "buffer": hostile.encode("utf-8")}])
    page.locator('[data-testid="stAlert"]').filter(has_text="relative name").wait_for(
        timeout=60_000)
    text = page.locator("body").inner_text()
    assert "hostile.yaml: network.nodes: an uploaded scenario names files by a relative name" \
        in text
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    assert first_line not in text and "root:" not in text
    no_exception(page)
    shots = ROOT / "runs" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "upload-refused.png"))
    page.close()


def hover_tooltips(page: Page, lang: str, villages: int, stations: int, loops: int) -> None:
    """Hover the map: every tooltip is filled, and at least so many of each kind show."""
    seen = tooltips(page)
    for text in seen:
        assert not UNFILLED.search(text), text
    kinds = {code: words(lang, TIERS[code]) for code in ("station", "point")}
    heads = [[*text.splitlines(), ""][:2] for text in seen]  # name, then what it is
    found = {"villages": sum(kinds["point"] in what for _name, what in heads),
             "stations": sum(kinds["station"] in what for _name, what in heads),
             "loops": sum("→" in name for name, _what in heads)}
    wanted = {"villages": villages, "stations": stations, "loops": loops}
    assert all(found[kind] >= wanted[kind] for kind in wanted), (found, seen)


def choose(page: Page, label: str, option: str) -> None:
    """Pick the option containing `option` in the select box labelled `label` (typing
    filters its list; Enter picks the first left)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(option)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    settle(page)
