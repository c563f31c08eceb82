from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from qa.core.errors import MetadataError
from qa.core.types import Direction
from qa.ingest.metadata import NamePattern, load_sidecar, metadata_source


def test_sidecar_csv_known_and_extra_columns(tmp_path):
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "file;operator;started_at;direction;phone;order_id;campaign\n"
        "a.wav;op-anna;2026-11-02T10:15:00;in;+7999;R-1;spring\n"
        "sub/b.mp3;op-ivan;;outbound;;;\n",
        encoding="utf-8",
    )
    sidecar = load_sidecar(csv)
    assert sidecar.unknown_columns == ("campaign",)
    a = sidecar.lookup(Path("/calls/a.wav"))
    assert a.operator_id == "op-anna" and a.started_at == datetime(2026, 11, 2, 10, 15)
    assert a.direction == Direction.INBOUND and a.order_id == "R-1" and a.extra == (("campaign", "spring"),)
    assert sidecar.lookup(Path("b.mp3")).direction == Direction.OUTBOUND


def test_sidecar_bad_value_names_file_and_line(tmp_path):
    csv = tmp_path / "calls.csv"
    csv.write_text("file,direction\na.wav,inbound\nb.wav,sideways\n")
    with pytest.raises(MetadataError, match=r"calls.csv, line 3: unknown call direction 'sideways'"):
        load_sidecar(csv)


def test_name_pattern_fields():
    pattern = NamePattern.compile("{operator}_{date}_{time}_{direction}")
    meta = pattern.parse(Path("op-anna_20261102_101500_out.wav"))
    assert meta.operator_id == "op-anna" and meta.started_at == datetime(2026, 11, 2, 10, 15)
    assert meta.direction == Direction.OUTBOUND
    assert pattern.parse(Path("recording.wav")) is None
    assert NamePattern.compile("{_}-{phone}").parse(Path("call-79990001122.flac")).phone == "79990001122"


def test_csv_wins_over_name_and_mismatches_warn(tmp_path):
    csv = tmp_path / "calls.csv"
    csv.write_text("file,operator\nop1_2026-11-02_10-15-00.wav,op-csv\n")
    lookup, _ = metadata_source(csv, "{operator}_{date}_{time}")
    meta, warnings = lookup(Path("op1_2026-11-02_10-15-00.wav"))
    assert meta.operator_id == "op-csv" and meta.started_at == datetime(2026, 11, 2, 10, 15)
    assert warnings == ()
    meta, warnings = lookup(Path("whatever.wav"))
    assert meta.operator_id is None
    assert "not listed in the metadata CSV" in warnings and any("does not match" in w for w in warnings)
