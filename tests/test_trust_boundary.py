"""The app's trust boundary: an uploaded scenario reads only what was uploaded with it and the
bundled configs/, never says what another file holds, and runs under the server's limits."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from sim.cli import app as cli
from sim.errors import ScenarioError
from sim.limits import Limits
from sim.scenario import load_scenario
from sim.scenario.files import SandboxFiles
from sim.scenario.yamlio import dump_yaml, read_yaml
from sim.ui.uploads import UploadedFile, upload_contents

from .conftest import CONFIGS, TUTORIAL
from .pages import open_page

APP = Path(__file__).resolve().parents[1] / "app.py"
PASSWD = Path("/etc/passwd")
# what reading a foreign file would reveal: its first line, or the keys of /proc/self/status
FOREIGN = [PASSWD.read_text().splitlines()[0], "root:", "Umask", "VmRSS", "TracerPid"]
NODES = (CONFIGS / "tutorial" / "nodes.csv").read_bytes()


def tutorial(**network) -> dict:
    raw = read_yaml(TUTORIAL)
    raw["run"].update(days=2, warmup_days=0, drain_days=1)
    raw["network"].update(network)
    return raw


def yaml_bytes(raw: dict) -> bytes:
    return dump_yaml(raw).encode("utf-8")


def sandbox(files: dict[str, bytes], **limits) -> SandboxFiles:
    return SandboxFiles(root=CONFIGS, uploads=files, limits=Limits(**limits))


HOSTILE = {
    "absolute table": {"my.yaml": yaml_bytes(tutorial(nodes=str(PASSWD)))},
    "table up the tree": {"my.yaml": yaml_bytes(tutorial(nodes="../../../../../etc/passwd"))},
    "table beside configs": {"my.yaml": yaml_bytes(tutorial(nodes="tutorial/../../README.md"))},
    "absolute extends": {"my.yaml": b"extends: /proc/self/status\nname: x\n"},
    "extends up the tree": {"my.yaml": b"extends: ../../../../../etc/passwd\nname: x\n"},
    "windows drive": {"my.yaml": yaml_bytes(tutorial(nodes="C:/Windows/win.ini"))},
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_an_upload_cannot_name_a_file_outside_its_upload_and_the_configs(case):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(CONFIGS / "my.yaml", files=sandbox(HOSTILE[case]))
    message = caught.value.message
    assert "relative name without '..'" in message
    assert not any(text in message for text in FOREIGN), message
    assert str(CONFIGS) not in message  # the server's folders stay unnamed


def test_an_upload_may_extend_a_bundled_scenario_and_use_its_own_table():
    files = sandbox({
        "own.yaml": b"extends: tutorial.yaml\nname: own\nnetwork: {nodes: mine.csv}\n",
        "mine.csv": NODES.replace("竖岗镇".encode(), "自己的镇".encode()),
    })
    scenario = load_scenario(CONFIGS / "own.yaml", files=files)
    assert "自己的镇" in set(scenario.nodes["name"])
    bundled = load_scenario(CONFIGS / "own.yaml", ["network.nodes=tutorial/nodes.csv"], files)
    assert "竖岗镇" in set(bundled.nodes["name"])


def test_an_override_cannot_reach_outside_either():
    files = sandbox({"my.yaml": yaml_bytes(tutorial())})
    with pytest.raises(ScenarioError, match="relative name without"):
        load_scenario(CONFIGS / "my.yaml", [f"network.nodes={PASSWD}"], files)


def test_a_name_that_is_missing_says_so_without_saying_where_it_looked():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(CONFIGS / "my.yaml", files=sandbox(
            {"my.yaml": yaml_bytes(tutorial(nodes="nowhere.csv"))}))
    assert caught.value.message == ("nowhere.csv: file not found among the uploaded files and "
                                    "the bundled configs")


def test_the_server_limits_hold_whatever_the_scenario_says():
    raw = tutorial()
    raw["run"].update(days=30, max_parcels=10**12)
    files = sandbox({"my.yaml": yaml_bytes(raw)}, parcels=50_000)
    with pytest.raises(ScenarioError, match=r"parcels expected: about [\d,]+, more than the "
                                            r"limit of 50,000 \(SIM_MAX_PARCELS\)"):
        load_scenario(CONFIGS / "my.yaml", files=files)


def zip_of(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (0o120777 << 16)  # a symbolic link
            archive.writestr(info, data)
    return buffer.getvalue()


def upload(name: str, data: bytes, limits: Limits | None = None) -> dict[str, bytes]:
    return upload_contents([UploadedFile(name, len(data), data)], limits or Limits())


def test_a_zip_of_a_folder_is_read_from_its_folder():
    contents = upload("s.zip", zip_of({"mine/s.yaml": b"name: x", "mine/t/n.csv": NODES,
                                       "mine/notes.txt": b"ignored"}))
    assert sorted(contents) == ["s.yaml", "t/n.csv"]


@pytest.mark.parametrize("entries, links", [
    ({"../evil.yaml": b"name: x"}, ()),
    ({"/etc/evil.yaml": b"name: x"}, ()),
    ({"s.yaml": b"name: x", "n.csv": b"/etc/passwd"}, ("n.csv",)),
])
def test_a_zip_cannot_place_files_outside_itself(entries, links):
    with pytest.raises(ScenarioError, match="link or names a place outside the zip"):
        upload("s.zip", zip_of(entries, links))


def test_an_upload_is_bounded_before_and_while_it_is_unpacked():
    with pytest.raises(ScenarioError, match="more than the 1,000 bytes a whole upload"):
        upload("s.yaml", b"#" * 1001, Limits(upload_bytes=1000))
    bomb = zip_of({"s.yaml": b"name: x\n" + b"#" * 5_000_000})
    assert len(bomb) < 20_000
    with pytest.raises(ScenarioError, match="whole upload, unpacked"):
        upload("s.zip", bomb, Limits(upload_bytes=1_000_000))
    with pytest.raises(ScenarioError, match="not a zip file"):
        upload("s.zip", b"PK\x03\x04 not really")


# -- the page -----------------------------------------------------------------------------

def page_with(files: list[tuple[str, bytes]]) -> AppTest:
    at = open_page("tutorial.yaml")
    at.sidebar.file_uploader[0].set_value([(name, data, "application/octet-stream")
                                           for name, data in files])
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("case", ["absolute table", "table up the tree", "absolute extends"])
def test_the_page_refuses_a_hostile_upload_without_showing_the_file(case):
    at = page_with(list(HOSTILE[case].items()))
    messages = [e.value for e in at.error]
    assert any("relative name without '..'" in m for m in messages), messages
    shown = " ".join(messages + [m.value for m in at.markdown] + [c.value for c in at.code])
    assert not any(text in shown for text in FOREIGN), shown


def test_the_page_runs_an_uploaded_scenario_with_its_table_and_any_value_in_range():
    """An upload's own values may lie outside a lever's usual range (the CLI accepts them);
    the page widens the lever instead of failing."""
    raw = tutorial(nodes="own.csv")
    raw["run"]["days"] = 1
    raw["fleets"]["village"]["capacity"] = 50_000
    raw["demand"]["multiplier"] = 4.0
    at = page_with([("my.yaml", yaml_bytes(raw)), ("own.csv", NODES)])
    next(b for b in at.sidebar.button if b.label == "Run").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["last"].summary["parcels"]["created"] > 0


def test_the_page_holds_the_server_limit_against_a_lever_and_an_override(monkeypatch):
    monkeypatch.setenv("SIM_APP_MAX_DAYS", "10")
    at = page_with([("my.yaml", yaml_bytes(tutorial(nodes="tutorial/nodes.csv")))])
    at.sidebar.text_area[0].set_value("run.days=11\nrun.max_parcels=1000000000000")
    next(b for b in at.sidebar.button if b.label == "Run").click()
    at.run()
    assert any("more than the limit of 10 (SIM_APP_MAX_DAYS)" in e.value for e in at.error)


# -- the command line: any path, but never another file's content ------------------------

def test_the_command_line_reads_any_path_but_never_prints_a_foreign_file(scenario_copy):
    runner = CliRunner()
    for edit, expected in (
        (lambda raw: raw["network"].update(nodes=str(PASSWD)), "not a node table"),
        (lambda raw: raw.update(extends="/proc/self/status"), "not a scenario"),
        (lambda raw: raw.update(extends=str(PASSWD)), "expected a mapping of sections"),
    ):
        path = scenario_copy(edit)
        result = runner.invoke(cli, ["validate", str(path)])
        assert result.exit_code == 2, result.output
        assert expected in result.output
        assert not any(text in result.output for text in FOREIGN), result.output


def test_the_page_shows_an_impossible_date_as_a_field_error():
    raw = tutorial(nodes="tutorial/nodes.csv")
    text = dump_yaml(raw).replace("start_date: '2026-03-02'", "start_date: 2026-02-30")
    assert "2026-02-30" in text
    at = page_with([("my.yaml", text.encode("utf-8"))])
    assert any("run.start_date" in e.value and "day value is outside expected range" in e.value
               for e in at.error), [e.value for e in at.error]
    at = page_with([("my.yaml", yaml_bytes(raw))])
    at.sidebar.text_area[0].set_value("run.start_date=2026-02-30")
    next(b for b in at.sidebar.button if b.label == "Run").click()
    at.run()
    assert not at.exception
    assert any("--set run.start_date=2026-02-30" in e.value for e in at.error)


def test_an_upload_is_read_once_however_often_the_page_reruns(monkeypatch):
    """Every click reruns the page script; the upload is parsed and checked once per
    content, not at each rerun."""
    import sim.ui.session

    reads = []
    original = sim.ui.session.load_for_app
    monkeypatch.setattr(sim.ui.session, "load_for_app",
                        lambda *args: reads.append(args[0]) or original(*args))
    at = page_with([("my.yaml", yaml_bytes(tutorial(nodes="tutorial/nodes.csv")))])
    assert reads[-1] == "my.yaml"
    for days in (3, 4, 5):
        next(s for s in at.sidebar.slider if s.label == "Days").set_value(days)
        at.run()
    assert not at.exception
    assert reads.count("my.yaml") == 1


def test_a_bundled_file_refused_by_size_is_named_as_the_scenario_names_it():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(CONFIGS / "tutorial.yaml", files=sandbox({}, table_bytes=100))
    assert caught.value.message.startswith("tutorial/nodes.csv: ")
    assert "more than the 100 bytes a table may have" in caught.value.message
    assert str(CONFIGS) not in caught.value.message
