"""llm.v1: an optional judge for hard criteria — an OpenAI-compatible chat endpoint the user runs.

The endpoint is the user's own server (llama.cpp ``llama-server``, vLLM, Ollama): nothing leaves their network.
The prompt carries the numbered utterances with their roles and the rubric's question, nothing else — no
operator id, no agent name from the metadata, no call history. The reply must be one JSON object
``{"verdict": "pass|fail|na", "utterance_index": int|null, "quote": str, "reason": str}``; a pass or fail must
quote an utterance that exists and contains the quote, which becomes the evidence.

Whatever goes wrong — the server is down, too slow, answers with something that is not that object, a verdict
without evidence — ends in an ``na`` verdict with confidence 0.0 and a reason starting "needs review:", never
in a crash: the scorecard marks it ``needs_review`` and a person looks. Answers are cached by the hash of the
transcript, the question and the model (in memory, and in ``cache_dir`` when given), so re-scoring asks once.

Off by default: no shipped rubric uses it, and the accuracy targets are met without it.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

from pydantic import Field, field_validator

from qa.core.types import Verdict
from scoring.context import CallContext, evidence
from scoring.criteria.common import NA, StrictParams
from scoring.registry import CriterionKind, Judgement, register

SYSTEM = (
    "You audit a recorded customer-service call. Answer only with one JSON object: "
    '{"verdict": "pass" | "fail" | "na", "utterance_index": <number of the utterance your verdict rests on, or null '
    'for na>, "quote": "<words copied exactly from that utterance>", "reason": "<one sentence>"}.'
)
VERDICTS = {v.value: v for v in Verdict}
_MEMORY: dict[str, dict] = {}


class LlmParams(StrictParams):
    endpoint: str = Field(description="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    model: str = Field(description="the model name the server knows")
    question: str = Field(min_length=10, description="what to judge, e.g. 'Did the agent ... ? pass if ..., fail if ...'")
    na_when: str = Field(default="", description="when the criterion does not apply")
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    max_tokens: int = Field(default=300, ge=16, le=4096)
    confidence: float = Field(default=0.7, gt=0, le=1, description="confidence of a validated answer")
    api_key_env: str | None = Field(default=None, description="environment variable holding the API key, if the server needs one")
    cache_dir: Path | None = Field(default=None, description="keep answers on disk too (one JSON file per call and question)")

    @field_validator("cache_dir")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        """``~/.cache/qa-judge`` (as the README writes it) means the home folder, not a folder named "~"."""
        return value.expanduser() if value is not None else None


def _transcript(call: CallContext) -> str:
    return "\n".join(f"[{u.index}] {u.role.value.upper()}: {u.utterance.text}" for u in call.text.utterances)


def prompt(call: CallContext, p: LlmParams) -> list[dict]:
    """The chat messages sent: the rules, then the numbered transcript and the question (no metadata)."""
    task = p.question + (f"\nAnswer na when: {p.na_when}" if p.na_when else "")
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Transcript:\n{_transcript(call)}\n\nQuestion: {task}"},
    ]


def cache_key(call: CallContext, p: LlmParams) -> str:
    return hashlib.sha256(json.dumps([_transcript(call), p.question, p.na_when, p.model], ensure_ascii=False).encode()).hexdigest()


def _ask(messages: list[dict], p: LlmParams) -> dict:
    """POST /chat/completions; the first choice's content parsed as JSON (ValueError/OSError on failure)."""
    body = {"model": p.model, "messages": messages, "temperature": 0, "max_tokens": p.max_tokens,
            "response_format": {"type": "json_object"}}
    headers = {"Content-Type": "application/json"}
    if p.api_key_env and os.environ.get(p.api_key_env):
        headers["Authorization"] = f"Bearer {os.environ[p.api_key_env]}"
    request = urllib.request.Request(p.endpoint.rstrip("/") + "/chat/completions", json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=p.timeout_s) as response:  # noqa: S310 - the user's own endpoint
        reply = json.loads(response.read().decode("utf-8"))
    content = reply["choices"][0]["message"]["content"]
    answer = json.loads(content)
    if not isinstance(answer, dict):
        raise ValueError(f"the reply is JSON but not an object: {content[:80]!r}")
    return answer


def _needs_review(why: str) -> Judgement:
    return Judgement(NA, f"needs review: {why}", (), 0.0)


def _read_cached(path: Path | None) -> dict | None:
    """A stored answer, or None when there is none or it is unreadable (then the judge is asked again)."""
    if path is None or not path.exists():
        return None
    try:
        answer = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def _write_cached(path: Path | None, answer: dict) -> None:
    """Keep an answer on disk; a cache that cannot be written only costs a second question later."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass


def _check(call: CallContext, answer: dict, p: LlmParams) -> Judgement:
    verdict = VERDICTS.get(str(answer.get("verdict", "")).strip().lower())
    if verdict is None:
        return _needs_review(f"the judge answered verdict {answer.get('verdict')!r}, not pass/fail/na")
    reason = str(answer.get("reason") or "").strip() or "no reason given"
    if verdict == Verdict.NA:
        return Judgement(NA, f"judge ({p.model}): {reason}", (), p.confidence)
    index, quote = answer.get("utterance_index"), " ".join(str(answer.get("quote") or "").split()).lower()
    utts = call.text.utterances
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(utts):
        return _needs_review(f"the judge said {verdict.value} without an utterance to show for it (utterance_index {index!r})")
    said = " ".join(utts[index].utterance.text.split()).lower()
    if not quote or quote not in said:
        return _needs_review(f"the judge's quote is not in utterance {index}: {answer.get('quote')!r}")
    return Judgement(verdict, f"judge ({p.model}): {reason}", (evidence(utts[index], f"llm.v1: {p.model}"),), p.confidence)


@register("llm.v1")
class LlmJudge(CriterionKind):
    """Asks the user's OpenAI-compatible server for a verdict with a quoted utterance (see the module docstring)."""

    Params = LlmParams

    def evaluate(self, call: CallContext, p: LlmParams) -> Judgement:
        key = cache_key(call, p)
        cached = p.cache_dir / f"{key}.json" if p.cache_dir else None
        answer = _MEMORY.get(key)
        if answer is None:
            answer = _read_cached(cached)
        if answer is None:
            try:
                answer = _ask(prompt(call, p), p)
            except (socket.timeout, TimeoutError):
                return _needs_review(f"the judge at {p.endpoint} did not answer within {p.timeout_s:g} s; raise timeout_s or check the server")
            except urllib.error.HTTPError as exc:
                return _needs_review(f"the judge at {p.endpoint} answered HTTP {exc.code}; check the model name and the server log")
            except (urllib.error.URLError, OSError) as exc:
                return _needs_review(f"cannot reach the judge at {p.endpoint} ({getattr(exc, 'reason', exc)}); start the server or fix endpoint")
            except http.client.HTTPException as exc:  # not HTTP, or a reply cut short
                return _needs_review(f"the judge at {p.endpoint} sent a broken HTTP reply ({type(exc).__name__}); check that endpoint is an OpenAI-compatible server")
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                return _needs_review(f"the judge's reply is not the JSON object asked for ({exc}); try another model or a lower temperature")
            _MEMORY[key] = answer  # only well-formed answers are kept: a failure is asked again next time
            _write_cached(cached, answer)
        return _check(call, answer, p)
