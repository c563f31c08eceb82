"""The web UI in a real headless Chromium (Debian's, driven by Playwright) against `qa serve` on loopback, on the
bundled sample recordings processed by the real models. Screenshots land in .cache/test-artefacts/ (not committed).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qa import access
from qa.db import calls as call_store
from qa.db import playlists
from qa.db.engine import open_database
from tests.conftest import ROOT, copy_sqlite

pytestmark = pytest.mark.models
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTEFACTS = ROOT / ".cache" / "test-artefacts"
PASSWORD = "listen while reading"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_database, tmp_path_factory):
    """`qa serve` on a copy of the demo database with a lead, a trainer and the operator of the ru order call."""
    if CHROMIUM is None:
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    home = tmp_path_factory.mktemp("serve-home")
    engine = open_database(copy_sqlite(demo_database.sqlite, home / "qa.db"))
    calls = {c.file_name: c for c in call_store.list_calls(engine)}
    ru = call_store.load_call(engine, call_id=calls["ru_order_stereo.flac"].call_id).transcript.utterances
    word = next(w for u in ru if u.start_s > 5 for w in re.findall(r"\w{7,}", u.text))  # a word said later on
    access.add_user(engine, login="lead", role="lead", password=PASSWORD, actor="test")
    access.add_user(engine, login="trainer", role="trainer", password=PASSWORD, actor="test")
    access.add_user(engine, login="olga", role="operator", operator_id="op-olga", password=PASSWORD, actor="test")
    onboarding = playlists.create_playlist(engine, title="Week 1: openings", owner="trainer", audience="new hires")
    playlists.add_clip(engine, playlist_id=onboarding.playlist_id, call_id=calls["ru_order_stereo.flac"].call_id,
                       start_s=0.5, end_s=6.0, actor="trainer", note="greeting, company and name in one breath")
    engine.dispose()
    port = free_port()
    env = os.environ | {"QA_HOME": str(home)}
    env.pop("QA_DB_URL", None)
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/login", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"qa serve exited: {proc.stdout.read()}")
            time.sleep(0.2)
    yield base, calls, word
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


def logged_in(browser, base: str, login: str):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{base}/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def audio_time(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


def test_a_lead_clicks_evidence_and_the_audio_jumps_there_then_overrides(server, browser):
    base, calls, word = server
    call = calls["ru_order_stereo.flac"]
    page = logged_in(browser, base, "lead")
    page.goto(f"{base}/calls/{call.call_id}")
    page.wait_for_function("document.getElementById('audio').readyState >= 1")
    chips = page.locator("button.chip[data-seek]")
    target = next(c for c in chips.all() if float(c.get_attribute("data-seek")) > 5)
    moment = float(target.get_attribute("data-seek"))
    target.click()
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {moment}) < 0.05")
    assert abs(audio_time(page) - moment) < 0.05
    assert page.locator("#transcript .w.now").count() == 1  # the word spoken then is highlighted
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "call-page.png"), full_page=True)

    word = page.locator("#transcript .w").nth(8)
    word.click()
    assert abs(audio_time(page) - float(word.get_attribute("data-start"))) < 0.05

    total_before = page.locator("#total").inner_text()
    row = page.locator("tbody.criterion").filter(has=page.locator("td.v-pass")).first
    row.locator("select[name=verdict]").select_option("fail")
    row.locator("input[name=reason]").fill("the greeting was cut off")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#total").inner_text() != total_before
    assert "the greeting was cut off" in page.locator("td.human").first.inner_text() or \
        page.locator("td.human", has_text="the greeting was cut off").count() == 1


def test_a_search_hit_lands_on_its_moment(server, browser):
    base, calls, word = server
    page = logged_in(browser, base, "lead")
    page.goto(f"{base}/calls")
    page.fill("input[name=q]", word)
    page.click(".filters button[type=submit]")
    page.wait_for_load_state()
    hit = page.locator(f"a.hit[href^='/calls/{calls['ru_order_stereo.flac'].call_id}?t=']").first
    href = hit.get_attribute("href")
    moment = float(re.search(r"t=([0-9.]+)", href).group(1))
    hit.click()
    page.wait_for_load_state()
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {moment}) < 0.05")
    now = page.locator("#transcript .w.now")
    assert now.count() == 1 and float(now.get_attribute("data-start")) <= moment + 0.01


def test_an_operator_sees_only_their_own_calls(server, browser):
    base, calls, word = server
    page = logged_in(browser, base, "olga")
    page.goto(f"{base}/calls")
    listed = page.locator("table.calls tbody a").all_inner_texts()
    assert listed == [calls["ru_order_stereo.flac"].call_id]
    other = calls["en_order_mono.mp3"].call_id
    for path in (f"/calls/{other}", f"/calls/{other}/audio", f"/api/calls/{other}"):
        assert page.goto(f"{base}{path}").status in (403, 404), path
    assert page.goto(f"{base}/operators/op-olga").status == 200
    figures = page.locator("#figures").inner_text()
    assert "2026-11" in page.locator("h1").inner_text() and " / 2" in figures  # ranked against op-ivan of ru-desk
    page.screenshot(path=str(ARTEFACTS / "operator-page.png"), full_page=True)
    assert page.goto(f"{base}/operators/op-emma").status == 403


def test_a_trainer_plays_a_clip_and_marks_it_listened(server, browser):
    base, _, _ = server
    page = logged_in(browser, base, "trainer")
    assert page.url.endswith("/playlists")
    assert page.goto(f"{base}/playlists").status == 200
    page.click("text=Week 1: openings")
    page.wait_for_load_state()
    clip = page.locator("section.clip audio").first
    clip.evaluate("a => { a.preload = 'auto'; a.load(); }")
    page.wait_for_function("document.querySelector('section.clip audio').readyState >= 1")
    assert abs(clip.evaluate("a => a.duration") - 5.5) < 0.05  # the clip's window, not the whole call
    clip.evaluate("a => a.play()")
    page.wait_for_function("document.querySelector('section.clip audio').currentTime > 0.3")
    page.click("section.clip button:has-text('Mark as listened')")
    page.wait_for_load_state()
    assert page.locator("section.clip", has_text="listened").count() == 1
    assert "trainer" in page.locator("section.clip").first.inner_text()
    page.screenshot(path=str(ARTEFACTS / "playlist-page.png"), full_page=True)
    assert page.goto(f"{base}/calls").status == 403
