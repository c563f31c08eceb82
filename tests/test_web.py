"""The web UI over HTTP (no browser): every route × every role, CSRF, session expiry, login throttling, path
traversal. The browser-level checks (seeking audio, overriding, searching) are in tests/test_web_e2e.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa import access
from qa.core.settings import load_settings
from qa.db import calls as call_store
from qa.db import human
from qa.db.engine import open_database
from qa.ingest.metadata import metadata_source
from qa.pipeline.batch import process_batch
from qa.pipeline.processor import CallProcessor, PipelineOptions
from qa.web.app import create_app
from tests.conftest import copy_sqlite
from tests.fakes import FakeDiarizer, FakeTranscriber, speechlike

PASSWORD = "correct horse battery"
ROLES = {"lead": None, "reviewer": None, "trainer": None, "anna": "op-anna", "boris": "op-boris"}


@dataclass
class Site:
    engine: object
    app: object
    anna_call: str  # a recorded call (with audio) of op-anna
    boris_call: str  # a recorded call of op-boris
    anna_imported: str  # an imported transcript of op-anna (no audio)
    home: Path

    def client(self, login: str | None = None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        if login:
            assert log_in(client, login).status_code == 303
        return client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def log_in(client: TestClient, login: str, password: str = PASSWORD):
    return client.post("/login", data={"username": login, "password": password, "csrf_token": csrf_of(client)})


@pytest.fixture(scope="module")
def site(history_template, tmp_path_factory) -> Site:
    root = tmp_path_factory.mktemp("web")
    engine = open_database(copy_sqlite(history_template.sqlite, root / "home" / "qa.db"))
    recordings = [speechlike(root / "rec" / f"{op}_20261110_1{i}1500.wav", seconds=6, seed=i)
                  for i, op in enumerate(["op-anna", "op-boris"])]
    lookup, _ = metadata_source(None, "{operator}_{date}_{time}")
    processor = CallProcessor(PipelineOptions(), transcriber=FakeTranscriber(), diarizer=FakeDiarizer())
    report = process_batch(engine, recordings, processor=processor, metadata_for=lookup)
    anna_call, boris_call = (o.call_id for o in report.outcomes)
    for login, operator in ROLES.items():
        role = "operator" if operator else login
        access.add_user(engine, login=login, role=role, operator_id=operator, password=PASSWORD, actor="test")
    imported = next(c.call_id for c in call_store.list_calls(engine, operator="op-anna") if c.mode == "import")
    settings = load_settings(home=root / "home", db_url=f"sqlite:///{root / 'home' / 'qa.db'}")
    return Site(engine, create_app(settings, engine), anna_call, boris_call, imported, root / "home")


def routes(site: Site) -> list[tuple[str, str]]:
    a, b, i = site.anna_call, site.boris_call, site.anna_imported
    return [
        ("GET", "/calls"), ("GET", f"/calls/{a}"), ("GET", f"/calls/{b}"), ("GET", f"/calls/{i}"),
        ("GET", f"/calls/{a}/audio"), ("GET", f"/calls/{b}/audio"), ("GET", f"/calls/{i}/audio"),
        ("GET", "/operators/op-anna"), ("GET", "/operators/op-boris"), ("GET", "/reviews"),
        ("GET", "/playlists"), ("GET", "/campaigns"),
        ("GET", "/api/me"), ("GET", "/api/calls"), ("GET", f"/api/calls/{a}"), ("GET", f"/api/calls/{b}"),
        ("GET", "/api/search?q=order"), ("GET", "/api/operators/op-anna"), ("GET", "/api/operators/op-boris"),
        ("GET", "/api/reviews"),
    ]


# expected status per route (in the order of routes()) for: anonymous, lead, reviewer, trainer, anna (operator)
EXPECTED = {
    None:       [303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401, 401, 401, 401, 401, 401, 401, 401],
    "lead":     [200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "reviewer": [200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "trainer":  [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403, 403, 403, 403, 403, 403, 403],
    "anna":     [200, 200, 404, 200, 200, 404, 404, 200, 403, 200, 200, 403, 200, 200, 200, 404, 200, 200, 403, 200],
}


@pytest.mark.parametrize("who", list(EXPECTED), ids=lambda w: w or "anonymous")
def test_every_route_answers_each_role_as_the_access_rules_say(site, who):
    client = site.client(who)
    got = [client.request(method, path).status_code for method, path in routes(site)]
    assert list(zip(routes(site), got)) == list(zip(routes(site), EXPECTED[who]))


def test_an_operator_lists_and_finds_only_their_own_calls(site):
    anna = site.client("anna")
    listed = {c["operator_id"] for c in anna.get("/api/calls").json()}
    assert listed == {"op-anna"}
    everyone = site.client("lead").get("/api/calls").json()
    assert {c["operator_id"] for c in everyone} >= {"op-anna", "op-boris", "op-vera"}
    hits = anna.get("/api/search", params={"q": "order"}).json()
    lead_hits = site.client("lead").get("/api/search", params={"q": "order"}).json()
    assert hits and {h["operator_id"] for h in hits} == {"op-anna"}
    assert len(lead_hits) > len(hits)
    assert site.boris_call not in anna.get("/calls").text


def test_search_lands_on_the_moment_of_the_phrase(site):
    lead = site.client("lead")
    hits = lead.get("/api/search", params={"q": "ORDER"}).json()  # case does not matter
    assert hits and all("order" in h["text"].lower() for h in hits)
    page = lead.get("/calls", params={"q": "order"}).text
    first = hits[0]
    assert f'/calls/{first["call_id"]}?t={first["start_s"]:.2f}#u{first["utterance_idx"]}' in page
    call_page = lead.get(f'/calls/{first["call_id"]}', params={"t": f'{first["start_s"]:.2f}'}).text
    assert f'id="u{first["utterance_idx"]}" data-start="{first["start_s"]:.2f}"' in call_page


def test_audio_supports_range_requests_for_seeking(site):
    lead = site.client("lead")
    whole = lead.get(f"/calls/{site.anna_call}/audio")
    part = lead.get(f"/calls/{site.anna_call}/audio", headers={"Range": "bytes=100-199"})
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF"
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"


def test_views_and_plays_are_in_the_audit_trail_with_who(site):
    anna = site.client("anna")
    anna.get(f"/calls/{site.anna_call}")
    anna.get(f"/calls/{site.anna_call}/audio")
    trail = human.audit_trail(site.engine, entity="call", entity_id=site.anna_call)
    assert {("anna", "transcript.view"), ("anna", "audio.play")} <= {(e.actor, e.action) for e in trail}


def test_a_reviewer_overrides_a_verdict_and_the_total_changes(site):
    lead = site.client("lead")
    call = lead.get(f"/api/calls/{site.anna_imported}").json()
    before = call["effective"]["total"]
    weighted = [r for r in call["effective"]["criteria"] if r["weight"] > 0 and r["verdict"] != "na" and not r["critical"]]
    criterion = weighted[0]
    flipped = "pass" if criterion["verdict"] == "fail" else "fail"
    token = csrf_of(lead, f"/calls/{site.anna_imported}")
    no_reason = lead.post(f"/calls/{site.anna_imported}/override",
                          data={"criterion": criterion["id"], "verdict": flipped, "reason": " ", "csrf_token": token})
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    done = lead.post(f"/calls/{site.anna_imported}/override",
                     data={"criterion": criterion["id"], "verdict": flipped, "reason": "heard it", "csrf_token": token})
    assert done.status_code == 303
    after = lead.get(f"/api/calls/{site.anna_imported}").json()["effective"]
    assert after["total"] != before
    assert next(r for r in after["criteria"] if r["id"] == criterion["id"])["verdict"] == flipped
    trail = human.audit_trail(site.engine, entity="call", entity_id=site.anna_imported)
    assert any(e.actor == "lead" and e.action == "verdict.override" for e in trail)
    anna = site.client("anna")  # an operator may not override, even on their own call
    refused = anna.post(f"/calls/{site.anna_imported}/override", data={
        "criterion": criterion["id"], "verdict": criterion["verdict"], "reason": "mine",
        "csrf_token": csrf_of(anna, f"/calls/{site.anna_imported}")})
    assert refused.status_code == 403


def test_forms_and_api_writes_without_the_csrf_token_are_refused(site):
    lead = site.client("lead")
    body = {"criterion": "greeting", "verdict": "pass", "reason": "x"}
    assert lead.post(f"/calls/{site.anna_imported}/override", data=body).status_code == 403
    assert lead.post(f"/calls/{site.anna_imported}/override", data=body | {"csrf_token": "forged"}).status_code == 403
    assert lead.post(f"/api/calls/{site.anna_imported}/override", json=body).status_code == 403
    fresh = TestClient(site.app, follow_redirects=False)
    assert fresh.post("/login", data={"username": "lead", "password": PASSWORD}).status_code == 403
    token = lead.get("/api/me").json()["csrf_token"]
    ok = lead.post(f"/api/calls/{site.anna_imported}/override", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["author"] == "lead"


def test_login_sets_an_httponly_samesite_cookie_and_logout_ends_it(site):
    client = TestClient(site.app, follow_redirects=False)
    form = client.get("/login").text
    for field in ('name="username"', 'name="password"', 'type="hidden" name="csrf_token"'):
        assert field in form
    response = log_in(client, "reviewer")
    cookie = response.headers["set-cookie"]
    assert response.status_code == 303 and "qa_session=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/calls").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client, "/calls")})
    assert client.get("/calls").status_code == 303


def test_an_expired_session_is_sent_back_to_login(site, history_template, tmp_path):
    settings = load_settings(home=site.home, db_url=str(site.engine.url), session_ttl_s=60)
    app = create_app(settings, site.engine)
    client = TestClient(app, follow_redirects=False)
    assert log_in(client, "lead").status_code == 303
    cookie = client.cookies["qa_session"]
    import time
    from unittest import mock

    later = time.time() + 61
    with mock.patch("time.time", return_value=later):  # itsdangerous checks the signed timestamp
        expired = TestClient(app, follow_redirects=False, cookies={"qa_session": cookie})
        assert expired.get("/calls").status_code == 303
        assert expired.get("/api/calls").status_code == 401


def test_repeated_failed_logins_lock_the_account(site):
    access.add_user(site.engine, login="guessme", role="reviewer", password=PASSWORD, actor="test")
    client = TestClient(site.app, follow_redirects=False)
    for _ in range(access.LOCK_AFTER):
        assert log_in(client, "guessme", "wrong password!").status_code == 401
    locked = log_in(client, "guessme")  # now even the right password waits
    assert locked.status_code == 401 and "too many failed logins" in locked.text
    assert log_in(client, "nobody-here", PASSWORD).text.count("wrong login or password") == 1


def test_a_disabled_account_loses_its_session(site):
    access.add_user(site.engine, login="leaver", role="reviewer", password=PASSWORD, actor="test")
    client = site.client("leaver")
    assert client.get("/calls").status_code == 200
    access.set_disabled(site.engine, login="leaver", disabled=True, actor="test")
    assert client.get("/calls").status_code == 303


@pytest.mark.parametrize("attack", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd",
                                    "/etc/passwd", "....//....//etc/passwd", "..\\..\\windows\\win.ini"])
def test_path_traversal_in_any_parameter_reaches_no_file(site, attack):
    lead = site.client("lead")
    for path in (f"/calls/{attack}", f"/calls/{attack}/audio", f"/operators/{attack}", f"/api/calls/{attack}",
                 f"/reviews/{attack}", f"/static/{attack}"):
        response = lead.get(path)
        assert response.status_code in (303, 307, 400, 403, 404, 422), (path, response.status_code)
        assert b"root:" not in response.content
    assert lead.get("/calls", params={"operator": attack, "q": attack}).status_code == 200
    redirect = lead.get("/lang/ru", params={"next": "//evil.example/x"})
    assert redirect.headers["location"] == "/"
    after_login = log_in(TestClient(site.app, follow_redirects=False), "lead")
    assert after_login.headers["location"].startswith("/")


def test_pages_speak_russian_or_english(site):
    lead = site.client("lead")
    assert "Звонки" in lead.get("/calls", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert "Calls" in lead.get("/calls", headers={"Accept-Language": "en-US"}).text
    lead.get("/lang/ru")
    assert "Звонки" in lead.get("/calls", headers={"Accept-Language": "en-US"}).text


def test_the_operator_page_shows_rank_in_the_team(site):
    anna = site.client("anna")
    page = anna.get("/operators/op-anna", params={"period": "2026-11"})
    assert page.status_code == 200 and "/ 3" in page.text  # ranked among the three operators of team north
    data = anna.get("/api/operators/op-anna", params={"period": "2026-11"}).json()
    assert data[0]["operator"] == "op-anna" and data[0]["rank"]


def test_a_review_session_runs_in_the_browser_from_pick_to_resolved_dispute(site):
    lead, anna, boris = site.client("lead"), site.client("anna"), site.client("boris")
    opened = lead.post("/reviews", data={"operator": "op-anna", "rule": "lowest", "n": "2",
                                         "csrf_token": csrf_of(lead, "/reviews")})
    assert opened.status_code == 303
    sid = int(opened.headers["location"].rsplit("/", 1)[1])
    session = lead.get(f"/api/reviews/{sid}").json()
    call_id = session["calls"][0]["call_id"] if "calls" in session else session["items"][0][0]
    token = csrf_of(lead, f"/reviews/{sid}")
    assert lead.post(f"/reviews/{sid}/comment", data={"call_id": call_id, "at_s": "3", "text": "listen here",
                                                       "csrf_token": token}).status_code == 303
    assert "listen here" in lead.get(f"/calls/{call_id}").text  # the call page shows the session's comments
    assert lead.post(f"/reviews/{sid}/close", data={"summary": "good call", "actions": "greet with the shop name",
                                                     "csrf_token": token}).status_code == 303
    assert boris.get(f"/reviews/{sid}").status_code == 404  # another operator's session does not exist for him
    anna_token = csrf_of(anna, f"/reviews/{sid}")
    assert anna.post(f"/reviews/{sid}/acknowledge", data={"csrf_token": anna_token}).status_code == 303
    disputed = anna.post(f"/reviews/{sid}/dispute", data={"call_id": call_id, "criterion": "greeting",
                                                          "reason": "I named the shop", "csrf_token": anna_token})
    assert disputed.status_code == 303
    review = lead.get(f"/api/reviews/{sid}").json()
    assert review["status"] == "acknowledged" and review["disputes"][0]["status"] == "open"
    refused = anna.post(f"/disputes/{review['disputes'][0]['dispute_id']}/resolve",
                        data={"decision": "overturned", "note": "me", "csrf_token": anna_token})
    assert refused.status_code == 403
    resolved = lead.post(f"/disputes/{review['disputes'][0]['dispute_id']}/resolve",
                         data={"decision": "overturned", "note": "you did", "csrf_token": token})
    assert resolved.status_code == 303
    assert lead.get(f"/api/reviews/{sid}").json()["disputes"][0]["status"] == "overturned"


def test_a_trainer_builds_a_playlist_and_hears_the_clip_window_only(site):
    import io

    import soundfile

    from qa.db import playlists

    trainer = site.client("trainer")
    made = trainer.post("/playlists", data={"title": "Greetings", "audience": "week 1",
                                            "csrf_token": csrf_of(trainer, "/playlists")})
    assert made.status_code == 303
    playlist_id = int(made.headers["location"].rsplit("/", 1)[1])
    pl = playlists.add_clip(site.engine, playlist_id=playlist_id, call_id=site.anna_call, start_s=1.0, end_s=3.5,
                            actor="trainer", note="listen to the opening")
    item = pl.items[0].item_id
    page = trainer.get(f"/playlists/{playlist_id}")
    assert page.status_code == 200 and "listen to the opening" in page.text
    clip = trainer.get(f"/playlists/{playlist_id}/clips/{item}/audio")
    samples, rate = soundfile.read(io.BytesIO(clip.content))
    assert clip.status_code == 200 and abs(len(samples) / rate - 2.5) < 0.05
    assert trainer.get(f"/calls/{site.anna_call}/audio").status_code == 403  # never the whole call
    heard = trainer.post(f"/playlists/{playlist_id}/clips/{item}/listened",
                         data={"csrf_token": csrf_of(trainer, f"/playlists/{playlist_id}")})
    assert heard.status_code == 303
    assert [login for login, _ in playlists.load_playlist(site.engine, playlist_id=playlist_id).items[0].listened_by] == ["trainer"]
    anna = site.client("anna")  # a new hire listens; may not rearrange
    assert anna.get(f"/playlists/{playlist_id}/clips/{item}/audio").status_code == 200
    moved = anna.post(f"/playlists/{playlist_id}/clips/{item}/move",
                      data={"position": "1", "csrf_token": csrf_of(anna, f"/playlists/{playlist_id}")})
    assert moved.status_code == 403
    plays = [e for e in human.audit_trail(site.engine, entity="playlist", entity_id=str(playlist_id))
             if e.action == "clip.play"]
    assert {e.actor for e in plays} == {"trainer", "anna"}
