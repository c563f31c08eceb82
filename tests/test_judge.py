"""llm.v1 against a small OpenAI-compatible server on loopback: the protocol, the schema check, the cache and
every failure ending in a clear needs-review verdict (the replies are canned: this tests the protocol, not a model)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qa.core.types import Verdict
from scoring.rubric import load_rubric
from scoring.score import score
from tests.test_criteria import call

TURNS = (("agent", "Bright Home, Emma speaking, hello!"), ("customer", "Is the lamp dimmable?"),
         ("agent", "Yes, it has three brightness levels."))


class Judge:
    """A canned OpenAI-compatible server: ``reply`` is what /chat/completions answers next."""

    def __init__(self):
        self.requests: list[dict] = []
        self.reply: object = {"verdict": "pass", "utterance_index": 2, "quote": "three brightness levels", "reason": "answered"}
        self.delay_s = 0.0
        self.status = 200
        judge = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                judge.requests.append({"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
                time.sleep(judge.delay_s)
                content = judge.reply if isinstance(judge.reply, str) else json.dumps(judge.reply)
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                try:
                    self.send_response(judge.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def judge():
    server = Judge()
    yield server
    server.server.shutdown()


def rubric_with(tmp_path, endpoint: str, **extra):
    params = {"endpoint": endpoint, "model": "test-model", "timeout_s": 2,
              "question": "Did the agent answer every customer question? pass if yes, fail if one was ignored."} | extra
    path = tmp_path / "judged.yaml"
    path.write_text(json.dumps({"id": "judged", "version": 1, "title": "J", "languages": ["en"], "sections": [
        {"id": "s", "title": "S", "criteria": [{"id": "answers", "title": "Answers", "kind": "llm.v1", "params": params}]}]}))
    return load_rubric(path)


def verdict_of(rubric, *turns):
    return score(call("en", *(turns or TURNS)), None, rubric).result("answers")


def test_a_valid_answer_becomes_a_verdict_quoting_the_utterance(judge, tmp_path):
    result = verdict_of(rubric_with(tmp_path, judge.url))
    assert result.verdict == Verdict.PASS and "answered" in result.reason
    # a judge's answer is trusted at its set confidence (0.7), below the review mark until calibrated on labels
    assert result.confidence == 0.7 and result.needs_review
    (ev,) = result.evidence
    assert ev.utterance_index == 2 and ev.quote == TURNS[2][1] and ev.rule == "llm.v1: test-model"
    (request,) = judge.requests
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "test-model" and body["temperature"] == 0
    user = body["messages"][-1]["content"]
    assert "[1] CUSTOMER: Is the lamp dimmable?" in user and "Did the agent answer" in user
    assert "op-" not in json.dumps(body) and "operator" not in json.dumps(body)  # no metadata goes out


def test_the_same_transcript_is_asked_once(judge, tmp_path):
    rubric = rubric_with(tmp_path, judge.url, question="Did the agent answer the dimmable question? pass or fail.")
    first, second = verdict_of(rubric), verdict_of(rubric)
    assert first == second and len(judge.requests) == 1
    verdict_of(rubric, *TURNS[:2], ("agent", "Yes, it has three brightness levels, and a timer."))
    assert len(judge.requests) == 2  # another transcript is asked again


def test_answers_are_cached_on_disk_when_asked(judge, tmp_path):
    kwargs = {"question": "Disk cache: did the agent answer? pass or fail.", "cache_dir": str(tmp_path / "cache")}
    verdict_of(rubric_with(tmp_path, judge.url, **kwargs))
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    from scoring.criteria import judge as module

    module._MEMORY.clear()  # a new process: the disk cache answers
    assert verdict_of(rubric_with(tmp_path, judge.url, **kwargs)).verdict == Verdict.PASS and len(judge.requests) == 1


@pytest.mark.parametrize("reply, needle", [
    ("this is not json", "not the JSON object"),
    ('["pass"]', "not an object"),
    ({"verdict": "maybe", "utterance_index": 2, "quote": "x"}, "verdict 'maybe'"),
    ({"verdict": "fail", "utterance_index": None, "quote": "", "reason": "ignored"}, "without an utterance"),
    ({"verdict": "pass", "utterance_index": 99, "quote": "x"}, "without an utterance"),
    ({"verdict": "pass", "utterance_index": 2, "quote": "five brightness levels"}, "quote is not in utterance 2"),
])
def test_a_bad_answer_needs_review_and_never_crashes(judge, tmp_path, reply, needle):
    judge.reply = reply
    result = verdict_of(rubric_with(tmp_path, judge.url, question=f"Case {needle}: did the agent answer? pass or fail."))
    assert result.verdict == Verdict.NA and result.confidence == 0.0 and result.needs_review
    assert result.reason.startswith("needs review:") and needle in result.reason and result.evidence == ()


def test_a_slow_server_times_out_into_needs_review(judge, tmp_path):
    judge.delay_s = 1.5
    result = verdict_of(rubric_with(tmp_path, judge.url, timeout_s=0.3, question="Slow: did the agent answer? pass or fail."))
    assert result.verdict == Verdict.NA and result.needs_review and "within 0.3 s" in result.reason


def test_an_http_error_and_a_closed_port_need_review(judge, tmp_path):
    judge.status = 500
    assert "HTTP 500" in verdict_of(rubric_with(tmp_path, judge.url, question="HTTP error: did the agent answer? pass.")).reason
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    result = verdict_of(rubric_with(tmp_path, closed, question="Closed port: did the agent answer? pass."))
    assert result.needs_review and "cannot reach the judge" in result.reason



def _read_request(conn: socket.socket) -> bytes:
    """Headers, then as many body bytes as Content-Length says (clients send them in separate writes)."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk
    return head + body


def raw_server(reply: bytes) -> str:
    """A loopback socket that answers every request with ``reply`` as it is (not necessarily HTTP)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def serve():
        while True:
            conn, _ = listener.accept()
            with conn:
                _read_request(conn)  # all of it: closing with a body unread would reset the connection instead
                conn.sendall(reply)
                conn.shutdown(socket.SHUT_WR)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/v1"


@pytest.mark.parametrize("reply", [b"garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"choices\""],
                         ids=["not-http", "cut-short"])
def test_a_broken_http_reply_needs_review(tmp_path, reply):
    result = verdict_of(rubric_with(tmp_path, raw_server(reply), question=f"Broken reply {reply[:12]!r}: did the agent answer? pass."))
    assert result.verdict == Verdict.NA and result.confidence == 0.0 and "broken HTTP reply" in result.reason


def test_an_unreadable_or_unwritable_cache_never_stops_scoring(judge, tmp_path):
    from scoring.criteria import judge as module

    (tmp_path / "not-a-dir").write_text("x")
    kwargs = {"question": "Unwritable cache: did the agent answer? pass or fail.", "cache_dir": str(tmp_path / "not-a-dir")}
    assert verdict_of(rubric_with(tmp_path, judge.url, **kwargs)).verdict == Verdict.PASS  # answered, just not kept

    kwargs = {"question": "Corrupt cache: did the agent answer? pass or fail.", "cache_dir": str(tmp_path / "cache")}
    verdict_of(rubric_with(tmp_path, judge.url, **kwargs))
    (stored,) = (tmp_path / "cache").glob("*.json")
    for junk in ("{corrupt", "[1, 2]"):
        stored.write_text(junk)
        module._MEMORY.clear()
        assert verdict_of(rubric_with(tmp_path, judge.url, **kwargs)).verdict == Verdict.PASS  # asked again
    assert len(judge.requests) == 4 and json.loads(stored.read_text())["verdict"] == "pass"  # and the cache repaired


def test_cache_dir_under_home_means_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    rubric = rubric_with(tmp_path, "http://127.0.0.1:9/v1", cache_dir="~/.cache/qa-judge")
    assert rubric.criteria[0].params.cache_dir == tmp_path / ".cache" / "qa-judge"

def test_the_shipped_rubric_does_not_use_the_judge():
    from scoring.rubric import find_rubric

    assert all(c.kind != "llm.v1" for c in find_rubric("order_desk").criteria)
