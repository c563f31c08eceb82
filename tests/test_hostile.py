"""A generated hostile-input corpus (issue 13), beyond tests/badfiles.py: what a careless or hostile user gives us.

Every case ends with one line naming what is wrong (exit code 1 where it is an error), no traceback, no hang, and
the good files given in the same batch stored. Batches of recordings run through the real ``qa process`` with the
fake stages of tests/fakes.py; transcripts through the real ``qa import-transcript``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from qa.pipeline.processor import CallProcessor, PipelineOptions
from tests.badfiles import REFUSED_FORMATS, TELEPHONY_FORMATS
from tests.conftest import snapshot_sqlite
from tests.fakes import FakeDiarizer, FakeTranscriber, speechlike

runner = CliRunner()
CASES: list[tuple[str, str, str]] = []  # (input, case, the message the user got): written to the test artefacts
ARTEFACT = Path(__file__).resolve().parent.parent / ".cache" / "test-artefacts" / "hostile-cases.md"


@pytest.fixture(scope="module", autouse=True)
def case_table():
    """Every case of this module with the one line it produced, as a Markdown table for the closing note."""
    yield
    if CASES:
        ARTEFACT.parent.mkdir(parents=True, exist_ok=True)
        rows = ["| input | case | message |", "| --- | --- | --- |"]
        cell = lambda text: text.replace("|", "\\|")  # noqa: E731
        rows += [f"| {kind} | `{cell(repr(case))}` | {cell(message)} |" for kind, case, message in sorted(set(CASES))]
        ARTEFACT.write_text("\n".join(rows) + "\n", encoding="utf-8")


def seen(kind: str, case: str, message: str) -> str:
    CASES.append((kind, case, message))
    return message
CP1251_NAME = "звонок".encode("cp1251")  # a Windows share's file name: not UTF-8


def qa(*args: str):
    return runner.invoke(app, list(args))


def one_line(text: str) -> str:
    """The message a command printed: exactly one non-empty line, never a traceback."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert "Traceback" not in text, text
    assert len(lines) == 1, text
    return lines[0]


def cp1251_path(folder: Path, suffix: str) -> Path:
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + CP1251_NAME + suffix.encode()))


def utterances(text: str = "Здравствуйте, компания Ромашка, меня зовут Анна") -> list[dict]:
    return [{"role": "agent", "start_s": 0.0, "end_s": 2.0, "text": text},
            {"role": "customer", "start_s": 2.5, "end_s": 4.0, "text": "Добрый день"}]


def doc(call_id: str, **change) -> dict:
    return {"call_id": call_id, "language": "ru", "utterances": utterances()} | change


# ---------------------------------------------------------------- transcripts: one `qa import-transcript` of them all

# file name -> (content: a document, or the file's exact text/bytes, or a callable making the file; words of the reason)
BAD_TRANSCRIPTS: dict[str, tuple[object, str]] = {
    "utterances_number.json": (doc("b1", utterances=5), "'utterances' must be a list"),
    "labels_list.json": (doc("b2", labels=["greeting"]), "'labels' must be an object"),
    "operator_object.json": (doc("b3", operator={"id": 7}), "'operator' must be a string"),
    "nan_start.json": ('{"call_id":"b4","language":"ru","utterances":[{"role":"agent","start_s":NaN,"end_s":1,"text":"a"}]}',
                       "start_s must be a finite number"),
    "infinity_end.json": ('{"call_id":"b5","language":"ru","utterances":[{"role":"agent","start_s":0,"end_s":Infinity,"text":"a"}]}',
                          "end_s must be a finite number"),
    "negative_start.json": (doc("b6", utterances=[{"role": "agent", "start_s": -3, "end_s": 1, "text": "a"}]),
                            "starts before the call"),
    "deep_nesting.json": ('{"call_id":"b7","language":"ru","utterances":' + "[" * 100_000 + "]" * 100_000 + "}",
                          "nested too deeply"),
    "outcome_nan.json": ('{"call_id":"b8","language":"ru","utterances":[{"role":"agent","start_s":0,"end_s":1,"text":"a"}],'
                         '"outcome":{"nps_score":NaN}}', "outcome.nps_score must be a finite number"),
    "outcome_deep.json": (doc("b9", outcome={"a": json.loads("[" * 30 + "]" * 30)}), "nested deeper than 20 levels"),
    "huge_utterance.json": (doc("b10", utterances=[{"role": "agent", "start_s": 0, "end_s": 1, "text": "а" * 100_001}]),
                            "over the 100,000-character limit"),
    "too_many_utterances.json": (doc("b11", utterances=[{"role": "agent", "start_s": i, "end_s": i + 0.5, "text": "да"}
                                                       for i in range(50_001)]), "over the limit of 50,000 per call"),
    "huge_int_time.json": ('{"call_id":"b12","language":"ru","utterances":[{"role":"agent","start_s":1' + "0" * 400
                           + ',"end_s":1,"text":"a"}]}', "start_s must be a finite number"),
    "int_of_5000_digits.json": ('{"call_id":' + "9" * 5000 + ',"language":"ru","utterances":[]}', "not a usable JSON document"),
    "lone_surrogate.json": ('{"call_id":"b14","language":"ru","utterances":[{"role":"agent","start_s":0,"end_s":1,'
                            '"text":"a\\udc80b"}]}', "invalid character"),
    "nul_in_text.json": ('{"call_id":"b15","language":"ru","utterances":[{"role":"agent","start_s":0,"end_s":1,'
                         '"text":"a\\u0000b"}]}', "NUL character"),
    "role_list.json": (doc("b16", utterances=[{"role": ["agent"], "start_s": 0, "end_s": 1, "text": "a"}]),
                       "must be agent or customer"),
    "language_list.json": (doc("b17", language=["ru"]), "is not one of ru, uk, en"),
    "not_json.json": ("call notes, not JSON\n", "not valid UTF-8 JSON"),
    "utf16.json": (json.dumps(doc("b19")).encode("utf-16"), "not valid UTF-8 JSON"),
    "top_level_list.json": ("[1, 2]", "expected a JSON object"),
    "zero_bytes.json": ("", "not valid UTF-8 JSON"),
    "words_not_list.json": (doc("b22", utterances=[{"role": "agent", "start_s": 0, "end_s": 1, "text": "a", "words": 3}]),
                            "'words' must be a list"),
    "word_probability.json": (doc("b23", utterances=[{"role": "agent", "start_s": 0, "end_s": 1, "text": "a", "words": [
        {"start_s": 0, "end_s": 1, "text": "a", "probability": 2}]}]), "not between 0 and 1"),
    "extra_object.json": (doc("b24", extra={"queue": {"name": "sales"}}), "extra.queue must be a string or a number"),
    "ambiguous_date.json": (doc("b25", started_at="02/11/2026 10:00"), "ambiguous"),
    "long_operator.json": (doc("b26", operator="x" * 2000), "over the 1,000-character limit"),
    "ends_before_start.json": (doc("b27", utterances=[{"role": "agent", "start_s": 2, "end_s": 1, "text": "a"}]),
                               "ends (1.0) before it starts (2.0)"),
    "fifo.json": (lambda p: os.mkfifo(p), "is a FIFO (named pipe), not a regular file"),
    "dev_zero.json": (lambda p: os.symlink("/dev/zero", p), "is a character device, not a regular file"),
    "folder.json": (lambda p: p.mkdir(), "is a directory, not a regular file"),
    "moved_away.json": (lambda p: os.symlink("/nonexistent/call.json", p), "file not found"),
}
GOOD_TRANSCRIPTS = {
    "good_plain.json": doc("g-plain", operator="op-anna", started_at="2026-11-02T10:15:00"),
    "call [night shift].json": doc("g-markup", operator="[/bold]x", team="[red]north", started_at="2026-11-03T09:00:00",
                                   utterances=utterances("Здравствуйте, компания [red]Ромашка[/red], меня зовут [/]Анна")),
    "good_time.json": doc("g-time", operator="op-ivan", started_at="2026-11-02 1:05"),
}


def _write(path: Path, content) -> None:
    if callable(content):
        content(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The whole corpus imported by one `qa import-transcript` (table, then --json): (results by file name, db, outputs)."""
    root = tmp_path_factory.mktemp("hostile-json")
    folder = root / "in"
    folder.mkdir()
    for name, (content, _) in BAD_TRANSCRIPTS.items():
        _write(folder / name, content)
    for name, content in GOOD_TRANSCRIPTS.items():
        _write(folder / name, content)
    _write(cp1251_path(folder, ".json"), doc("g-cp1251"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_HOME", str(root / "home"))
        env.delenv("QA_DB_URL", raising=False)
        table = qa("import-transcript", str(folder))
        again = qa("import-transcript", "--json", str(folder))
    results = {Path(r["path"]).name: r for r in json.loads(again.stdout)}
    return results, root / "home" / "qa.db", table, again


@pytest.mark.parametrize("name", sorted(BAD_TRANSCRIPTS))
def test_a_bad_transcript_fails_alone_with_one_line(imported, name):
    results, _, table, again = imported
    assert table.exit_code == again.exit_code == 1 and "Traceback" not in table.output + again.output
    result = results[name]
    assert result["status"] == "failed" and result["call_id"] is None
    assert BAD_TRANSCRIPTS[name][1] in seen("transcript", name, result["detail"]) and "\n" not in result["detail"]
    assert len(result["detail"]) < 400, result["detail"]


def test_the_good_transcripts_of_the_batch_are_stored(imported):
    results, db, table, _ = imported
    first_run_imported = {"good_plain.json", "call [night shift].json", "good_time.json", "звонок.json"}
    assert {n for n, r in results.items() if r["status"] == "skipped"} == first_run_imported  # stored by the first run
    con = sqlite3.connect(db)
    try:
        rows = dict(con.execute("select external_id, file_name from call where status = 'done'").fetchall())
        started = dict(con.execute("select external_id, started_at from call").fetchall())
    finally:
        con.close()
    assert rows == {"g-plain": "good_plain.json", "g-markup": "call [night shift].json", "g-time": "good_time.json",
                    "g-cp1251": "звонок.json"}  # the cp1251 name stored decoded, readable
    assert started["g-time"].startswith("2026-11-02 01:05")  # `1:05` is 01:05, not 10:50
    assert "call [night shift].json" in table.stdout and "звонок.json" in table.stdout  # Rich did not eat the brackets


def test_markup_in_stored_names_never_breaks_the_listings(imported, qa_home):
    _, db, _, _ = imported
    snapshot_sqlite(db, qa_home / "qa.db")
    for args in (["calls"], ["operators"], ["scorecard", "--period", "all"], ["show", "g-markup"]):
        result = qa(*args)
        assert result.exit_code == 0 and "Traceback" not in result.output, (args, result.output)
        assert "[/bold]x" in result.stdout, args
    shown = qa("show", "g-markup").stdout
    assert "[red]Ромашка[/red]" in shown and "[/]Анна" in shown


def test_calls_piped_keep_whole_ids_with_failed_rows(processed, qa_home):
    _, db, _, _ = processed
    snapshot_sqlite(db, qa_home / "qa.db")
    rows = json.loads(qa("calls", "--json").stdout)
    assert {r["status"] for r in rows} == {"done", "failed"}
    listed = qa("calls").stdout  # CliRunner's stdout is not a terminal, as in `qa calls | cat`
    assert all(len(r["call_id"]) == 12 and r["call_id"] in listed for r in rows)


# ---------------------------------------------------------------- recordings: one `qa process` with fake stages

BAD_RECORDINGS: dict[str, tuple[object, str]] = {
    "fifo.wav": (lambda p: os.mkfifo(p), "is a FIFO (named pipe), not a regular file"),
    "dev_zero.wav": (lambda p: os.symlink("/dev/zero", p), "is a character device, not a regular file"),
    "loop.wav": (lambda p: os.symlink(p.name, p), "Too many levels of symbolic links"),
    "link_to_folder.wav": (lambda p: os.symlink(p.parent.parent, p), "is a directory"),
    "empty.wav": (b"", "file is empty"),
    "random_bytes.wav": (os.urandom(20_000), "not a readable audio file"),
}
GOOD_NAMES = [
    "call [night shift].wav", "[red]x.wav", "[bold red]y[].wav", "it's \"quoted\".wav", "new\nline.wav", "звонок оператора.wav",
    "-leading-dash.wav", "a" * 200 + ".wav", "two  spaces .wav",
]


MONO_FORMATS = [name for name, (_, _, channels) in TELEPHONY_FORMATS.items() if channels == 1]


def fake_processor(*_, **__) -> CallProcessor:
    return CallProcessor(PipelineOptions(), transcriber=FakeTranscriber(), diarizer=FakeDiarizer())


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """Good recordings with odd names and bad ones in one folder, through `qa process --no-score` (table, then
    --json): (JSON report by file name, database, the table run, the --json run)."""
    root = tmp_path_factory.mktemp("hostile-audio")
    folder = root / "in"
    folder.mkdir()
    for name, (content, _) in BAD_RECORDINGS.items():
        _write(folder / name, content)
    for seed, name in enumerate(GOOD_NAMES):
        speechlike(folder / name, seconds=2.5, seed=seed)
    for seed, name in enumerate(MONO_FORMATS, start=100):  # stereo ones need real speech on each channel (Silero)
        TELEPHONY_FORMATS[name][0](folder / name, seconds=2.5, seed=seed)
    for name, (write, _) in REFUSED_FORMATS.items():
        write(folder / name)
    shutil.copyfile(speechlike(root / "src.wav", seconds=2.5, seed=99), cp1251_path(folder, ".wav"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_HOME", str(root / "home"))
        env.delenv("QA_DB_URL", raising=False)
        env.setattr("qa.cli.common.processor", fake_processor)
        table = qa("process", "--no-score", str(folder))
        again = qa("process", "--no-score", "--json", str(folder))
    report = {Path(f["path"]).name: f for f in json.loads(again.stdout)["files"]}  # valid UTF-8 JSON despite cp1251
    return report, root / "home" / "qa.db", table, again


@pytest.mark.parametrize("name", sorted([*BAD_RECORDINGS, *REFUSED_FORMATS]))
def test_a_bad_recording_fails_alone_and_the_batch_goes_on(processed, name):
    report, _, table, again = processed
    assert table.exit_code == again.exit_code == 1 and "Traceback" not in table.output + again.output
    assert report[name]["status"] == "failed"
    words = (BAD_RECORDINGS.get(name) or REFUSED_FORMATS[name])[1]
    assert words in seen("recording", name, report[name]["reason"]) and "\n" not in report[name]["reason"]


@pytest.mark.parametrize("name", [*GOOD_NAMES, "звонок.wav", *MONO_FORMATS])
def test_a_good_recording_with_an_odd_name_is_stored(processed, name):
    report, db, table, _ = processed
    assert report[name]["status"] == "skipped"  # processed by the first run, found stored by the second
    con = sqlite3.connect(db)
    try:
        names = {n for (n,) in con.execute("select file_name from call where status = 'done'")}
    finally:
        con.close()
    assert name in names
    seen("recording (good)", name, "stored")
    if "\n" not in name and len(name) < 60:
        assert name in table.stdout  # shown as it is: brackets kept, cp1251 decoded


def test_a_batch_leaves_its_progress_in_the_log_and_on_a_piped_stderr(processed):
    """Unattended runs (cron, CI, `2> run.log`) see where a batch is: plain lines, one per file and stage."""
    report, db, table, again = processed
    log = next((db.parent / "logs").glob("qa-*.log")).read_text(encoding="utf-8")
    total = len(report)
    assert f"batch of {total} file(s) started" in log
    assert f"[1/{total}] " in log and f"[{total}/{total}] " in log
    assert "half_copied.wav: failed (recording is shorter than its WAV header says" in log
    assert "mulaw_8k.wav: processed" in log and "mulaw_8k.wav: skipped" in log  # the first run, then the second
    assert "mulaw_8k.wav: transcribe" in table.stderr and "Traceback" not in log


def test_progress_lines_within_a_stage_come_at_most_every_interval():
    from qa.cli.progress import ProgressLines
    from qa.core.hooks import FileStarted, StageProgress, StageStarted

    now = [0.0]
    lines: list[str] = []
    progress = ProgressLines(lines.append, every_s=30.0, clock=lambda: now[0])
    progress.hook(FileStarted(Path("long.wav"), index=0))
    progress.hook(StageStarted("transcribe"))
    for t in range(0, 125, 5):  # a stage reporting every 5 s for two minutes
        now[0] = float(t)
        progress.hook(StageProgress("transcribe", completed=t * 10, total=3600, unit="s"))
    within = [line for line in lines if "transcribe " in line]
    assert len(within) == 4 and within[0].endswith("long.wav: transcribe 300/3600 s of audio")


# ---------------------------------------------------------------- metadata CSV: encodings Excel saves, date + time

CSV_TEXT = "file;operator;date;time\nа.wav;Анна;02.11.2026;1:05\nб.wav;Іван;2026-11-02;2:30 PM\nв.wav;Олег;20261102;12:10 AM\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-le"])
def test_a_metadata_csv_is_read_in_any_encoding_excel_saves(tmp_path, encoding):
    from qa.ingest.metadata import load_sidecar

    path = tmp_path / "calls.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    sidecar = load_sidecar(path)
    got = {name: (sidecar.lookup(Path(name)).operator_id, sidecar.lookup(Path(name)).started_at) for name in ("а.wav", "б.wav", "в.wav")}
    assert got == {"а.wav": ("Анна", datetime(2026, 11, 2, 1, 5)), "б.wav": ("Іван", datetime(2026, 11, 2, 14, 30)),
                   "в.wav": ("Олег", datetime(2026, 11, 2, 0, 10))}


@pytest.mark.parametrize(("content", "message"), [
    (b"file,date,time\na.wav,2026-11-02,10:00\nb.wav,02/11/2026,10:00\n", "calls.csv, line 3: date '02/11/2026' is ambiguous"),
    (b"file,date,time\na.wav,2026-11-02,25:00\n", "calls.csv, line 2: cannot read date/time '2026-11-02' '25:00'"),
    (b"file,date,time\na.wav,2026-11-02,105\n", "calls.csv, line 2: cannot read date/time"),
    (b"file,started_at\na.wav,yesterday\n", "calls.csv, line 2: cannot read date/time 'yesterday'"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200), "NUL bytes"),
    (b"file,operator\na.wav," + b"x" * 200_000 + b"\n", "calls.csv, line 2: not a readable CSV row"),
    (b"operator\nop-anna\n", "needs a 'file' column"),
])
def test_a_bad_metadata_csv_is_refused_with_file_and_line(tmp_path, content, message):
    path = tmp_path / "calls.csv"
    path.write_bytes(content)
    (tmp_path / "a.wav").write_bytes(b"x")
    result = qa("process", "--metadata", str(path), str(tmp_path / "a.wav"))
    assert result.exit_code == 1 and message in seen("metadata CSV", content[:40].decode("latin-1"), one_line(result.output))


def test_a_metadata_fifo_is_refused_without_reading_it(tmp_path):
    os.mkfifo(tmp_path / "calls.csv")
    (tmp_path / "a.wav").write_bytes(b"x")
    result = qa("process", "--metadata", str(tmp_path / "calls.csv"), str(tmp_path / "a.wav"))
    line = seen("metadata CSV", "a FIFO", one_line(result.output))
    assert result.exit_code == 1 and "is a FIFO (named pipe), not a regular file" in line


# ---------------------------------------------------------------- rubric YAML

def _rubric(**change) -> str:
    """The bundled rubric with the first match of each regular expression replaced (whatever its version and weights)."""
    import re

    src = (Path(__file__).resolve().parent.parent / "rubrics" / "order_desk.yaml").read_text(encoding="utf-8")
    for pattern, new in change.items():
        src, n = re.subn(pattern, new, src, count=1, flags=re.MULTILINE)
        assert n == 1, pattern
    return src


def _laughs() -> str:
    lines = ['x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"x-{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return _rubric() + "\n" + "\n".join(lines) + "\n"


BAD_RUBRICS: dict[str, tuple[object, str]] = {
    "duplicate_key.yaml": (_rubric(**{r"^version: (\d+)$": r"version: \1\nversion: 999"}), "key 'version' appears twice"),
    "weight_inf.yaml": (lambda: _rubric(**{r"weight: [0-9.]+": "weight: .inf"}), "'.inf' is not a finite number"),
    "weight_nan.yaml": (lambda: _rubric(**{r"weight: [0-9.]+": "weight: .NaN"}), "'.NaN' is not a finite number"),
    "weight_overflow.yaml": (lambda: _rubric(**{r"weight: [0-9.]+": "weight: 1.0e+999"}), "is not a finite number"),
    "weight_huge.yaml": (lambda: _rubric(**{r"weight: [0-9.]+": "weight: 1.0e+300"}), "less than or equal to 1000"),
    "huge_version.yaml": (_rubric(**{r"^version: \d+$": "version: 99999999999999999999999999"}), "less than or equal to 1000000"),
    "int_of_5000_digits.yaml": (_rubric(**{r"^version: \d+$": "version: " + "9" * 5000}), "cannot read the value"),
    "bad_date.yaml": (_rubric(**{r"^(version: \d+)$": r"\1\nx-when: 2026-13-45"}), "month must be in 1..12"),
    "recursive_alias.yaml": ("id: x\nversion: 1\nloop: &l\n  - *l\n", "refers to its own enclosing node"),
    "billion_laughs.yaml": (_laughs(), "expands to more than"),
    "deep_nesting.yaml": ("a: " + "[" * 60 + "]" * 60 + "\n", "nested deeper than 50 levels"),
    "too_big.yaml": ("# " + "x" * 1_100_000 + "\n", "over the 1000000-byte limit"),
    "fifo.yaml": (lambda p: os.mkfifo(p), "not a regular file"),
    "dev_zero.yaml": (lambda p: os.symlink("/dev/zero", p), "not a regular file"),
}


@pytest.mark.parametrize("name", sorted(BAD_RUBRICS))
def test_a_hostile_rubric_is_refused_with_file_and_line(tmp_path, name):
    content, message = BAD_RUBRICS[name]
    path = tmp_path / name
    if callable(content) and content.__code__.co_argcount == 0:
        content = content()
    _write(path, content)
    result = qa("rubric", "validate", str(path))
    line = seen("rubric YAML", name, one_line(result.output))
    assert result.exit_code == 1 and message in line and f"{path}" in line, line


def test_score_json_is_strict_json(tmp_path, qa_home):
    """No bare NaN in `qa score --json`, even for a rubric whose weights are all zero (0/0)."""
    import re

    path = tmp_path / "zero.yaml"
    path.write_text(re.sub(r"weight: [0-9.]+", "weight: 0", _rubric(**{r"^id: order_desk$": "id: zero_weights"})), encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps(doc("z-1")), encoding="utf-8")
    assert qa("import-transcript", str(tmp_path / "c.json")).exit_code == 0
    result = qa("score", "--rubric", str(path), "--json")
    assert result.exit_code == 0, result.output

    def refuse(constant):
        raise AssertionError(f"bare {constant} in --json output")

    assert json.loads(result.stdout, parse_constant=refuse)


# ---------------------------------------------------------------- settings: refused at start, naming the variable

@pytest.mark.parametrize(("variable", "value", "allowed"), [
    ("QA_MAX_DURATION_S", "1h", "a number of seconds above 0"),
    ("QA_MAX_DURATION_S", "inf", "a number of seconds above 0"),
    ("QA_LANGUAGE", "de", "one of auto, ru, uk, en"),
    ("QA_ASR_BEAM_SIZE", "0", "a whole number from 1 to 20"),
    ("QA_CPU_THREADS", "-1", "a whole number from 1 to 1024"),
    ("QA_LANGUAGES", "fr", "a comma-separated list of ru, uk, en"),
    ("QA_ASR_COMPUTE_TYPE", "int7", "one of default, auto, int8"),
    ("QA_AGENT_CHANNEL", "middle", "one of left, right"),
    ("QA_DIARIZATION_THRESHOLD", "nan", "a number above 0 and below 2"),
])
def test_a_mistyped_setting_is_one_line_naming_it(monkeypatch, tmp_path, variable, value, allowed):
    monkeypatch.setenv(variable, value)
    (tmp_path / "a.wav").write_bytes(b"x")
    for args in (["calls"], ["process", str(tmp_path / "a.wav")]):  # refused before a batch starts
        result = qa(*args)
        line = seen("setting", f"{variable}={value}", one_line(result.output))
        assert result.exit_code == 1 and line.startswith(f"Error: {variable}={value!r} is not valid: use ") and allowed in line


# ---------------------------------------------------------------- options and outputs

@pytest.fixture
def one_call(tmp_path):
    (tmp_path / "c.json").write_text(json.dumps(doc("o-1", operator="op-anna", started_at="2026-11-02T10:00:00")), encoding="utf-8")
    assert qa("import-transcript", str(tmp_path / "c.json")).exit_code == 0
    return "o-1"


@pytest.mark.parametrize(("target", "message"), [
    ("missing/x.json", "the folder {tmp}/missing does not exist"),
    (".", "is a directory; give a file name"),
    ("/dev/full", "cannot write -o /dev/full: No space left on device (check the disk space"),  # a full disk
])
def test_output_to_a_missing_folder_a_directory_or_a_full_disk(tmp_path, one_call, target, message):
    out = tmp_path / target
    for args in (["export", one_call, "-o", str(out)], ["scorecard", "--period", "all", "--format", "csv", "-o", str(out)]):
        result = qa(*args)
        line = seen("option", f"{args[0]} -o {target}", one_line(result.output))
        assert result.exit_code == 1 and message.format(tmp=tmp_path) in line, args


@pytest.mark.parametrize(("pattern", "message"), [
    ("{date}{date}", "field {date} appears twice in --name-pattern"),
    ("{nope}", "unknown field {nope}"),
    ("{_}" * 20, "--name-pattern is too long"),
])
def test_a_bad_name_pattern_is_one_line(tmp_path, pattern, message):
    (tmp_path / "a.wav").write_bytes(b"x")
    result = qa("process", "--name-pattern", pattern, str(tmp_path / "a.wav"))
    assert result.exit_code == 1 and message in seen("option", f"--name-pattern {pattern}", one_line(result.output))


@pytest.mark.parametrize(("command", "message"), [
    ("process", "no recordings found in {folder}"),
    ("import-transcript", "no transcripts to import: no *.json files in {folder}"),
])
def test_an_empty_folder_is_a_message_and_exit_1(tmp_path, qa_home, command, message):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a call")
    result = qa(command, str(folder))
    assert result.exit_code == 1 and message.format(folder=folder) in seen("folder", f"{command} of an empty folder", one_line(result.output))
    if (qa_home / "qa.db").exists():  # nothing recorded: no batch row for nothing
        con = sqlite3.connect(qa_home / "qa.db")
        try:
            assert con.execute("select count(*) from batch").fetchone() == (0,)
        finally:
            con.close()


def test_calibration_sheet_with_trailing_commas(tmp_path, one_call):
    call_id = json.loads(qa("calls", "--json").stdout)[0]["call_id"]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"call,greeting,farewell,\n{call_id},pass,fail,\n{call_id},pass,fail,,\n", encoding="utf-8")  # Excel
    result = qa("calibrate", "add", "r1", str(sheet), "--reviewer", "[b]olga")
    assert result.exit_code == 0 and "verdict(s) of [b]olga added to r1" in one_line(result.output)
    sheet.write_text(f"call,greeting\n{call_id},pass,oops\n", encoding="utf-8")
    result = qa("calibrate", "add", "r1", str(sheet), "--reviewer", "olga")
    assert result.exit_code == 1 and f"{sheet}:2: 1 more value(s) than the header has columns" in one_line(result.output)


def test_srt_never_has_negative_times():
    from qa.reports.exports import _srt_time

    assert _srt_time(-1.5) == "00:00:00,000" and _srt_time(61.25) == "00:01:01,250"


# ---------------------------------------------------------------- the boundary: no traceback ever reaches the user

def test_an_unexpected_error_is_one_line_with_the_log_file(monkeypatch, qa_home):
    def broken(*_, **__):
        raise RuntimeError("boom [/bold] in\nthe listing")

    monkeypatch.setattr("qa.db.calls.list_calls", broken)
    result = qa("calls")
    line = one_line(result.output)
    log = qa_home / "logs" / f"qa-{datetime.now():%Y%m%d}.log"
    assert result.exit_code == 1
    assert line == f"unexpected error: RuntimeError: boom [/bold] in the listing — details in {log}"
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text


def test_ctrl_c_still_exits_130(monkeypatch):
    def interrupted(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr("qa.db.calls.list_calls", interrupted)
    result = qa("calls")
    assert result.exit_code == 130 and "Interrupted." in one_line(result.output)


def test_a_stored_10_mb_utterance_is_scored_not_crashed(tmp_path, empty_template, monkeypatch):
    """Stored before the import limit existed: `qa score` cuts it for scoring (spaCy refuses > 1,000,000 characters)."""
    from dataclasses import replace

    from qa.core.types import call_id_for
    from qa.db import calls
    from qa.db.engine import open_database
    from qa.pipeline.imports import read_labeled
    from qa.pipeline.rescore import score_stored
    from scoring.rubric import find_rubric
    from tests.conftest import copy_sqlite

    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc("big-1")), encoding="utf-8")
    call = read_labeled(path)
    huge = replace(call.transcript.utterances[0], text="слово " * 1_700_000)  # 10.2 million characters
    call = replace(call, transcript=replace(call.transcript, utterances=(huge, *call.transcript.utterances[1:])))
    engine = open_database(copy_sqlite(empty_template, tmp_path / "qa.db"))
    calls.save_imported(engine, call=call, call_id=call_id_for(call.sha256), batch_id=None)
    monkeypatch.setattr("qa.pipeline.rescore.MAX_UTTERANCE_CHARS", 2_000)  # the real 100,000 takes seconds to tokenise
    [outcome] = score_stored(engine, [call_id_for(call.sha256)], find_rubric("order_desk"))
    engine.dispose()
    assert outcome.status == "scored" and outcome.total is not None
