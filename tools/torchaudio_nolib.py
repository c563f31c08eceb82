"""Repack PyPI's torchaudio wheel without its compiled libraries.

Why: PyPI's torchaudio 2.11.0 is a CUDA build whose ``lib/*.so`` cannot load
beside the CPU ``torch==2.13.0`` this project pins; torchaudio raises when a
compiled library is present but broken, and falls back to pure Python when the
files are absent. pyannote.audio only needs the pure-Python parts
(``functional.resample``, ``compliance.kaldi.fbank``).

The output wheel is versioned ``2.11.0+nolib`` and byte-identical on every
build (sorted entries, fixed timestamps), so ``pip`` sees nothing new on a
re-run. Usage: ``python tools/torchaudio_nolib.py SRC.whl OUT_DIR``.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

VERSION = "2.11.0"
LOCAL = f"{VERSION}+nolib"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def repack(src: Path, out_dir: Path) -> Path:
    old_info = f"torchaudio-{VERSION}.dist-info/"
    new_info = f"torchaudio-{LOCAL}.dist-info/"
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(src) as zin:
        for name in zin.namelist():
            if name.startswith("torchaudio/lib/") and name.endswith(".so"):
                continue
            if name.endswith("/") or name == old_info + "RECORD":
                continue
            data = zin.read(name)
            if name == old_info + "METADATA":
                data = data.replace(f"Version: {VERSION}\n".encode(), f"Version: {LOCAL}\n".encode(), 1)
            files[name.replace(old_info, new_info, 1)] = data
    record = [_record_line(n, d) for n, d in sorted(files.items())] + [new_info + "RECORD,,"]
    files[new_info + "RECORD"] = ("\n".join(record) + "\n").encode()
    tag = src.name.split("-", 2)[2]  # cp311-cp311-manylinux...whl
    out = out_dir / f"torchaudio-{LOCAL}-{tag}"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, files[name])
    tmp.replace(out)
    return out


if __name__ == "__main__":
    print(repack(Path(sys.argv[1]), Path(sys.argv[2])))
