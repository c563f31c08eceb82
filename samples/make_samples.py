"""Regenerate the bundled demo calls (run by hand; the outputs are committed).

Synthesised with Debian's TTS packages: Festival with ``festvox-ru`` (BSD-like
licence) for Russian, espeak-ng for English; the second Russian voice is the
same speaker pitch-shifted. The dialogues below
were written for this project, so the audio carries no one's personal data and
may be shipped freely. Telephone-like: 8 kHz, agent and customer on separate
channels for stereo files, mixed for mono ones. Encoded with PyAV (FFmpeg) into
the formats call-centre exports use: FLAC, MP3, Ogg/Opus, mu-law WAV.

    apt-get install espeak-ng festival festvox-ru && .venv/bin/python samples/make_samples.py
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from pathlib import Path

import av
import numpy as np
import soundfile as sf

HERE = Path(__file__).parent
OUT = HERE / "calls"
RATE = 8000

CALLS = {
    "ru_order_stereo.flac": dict(
        lang="ru", stereo=True, agent="festival-ru", customer="festival-ru:-3",
        lines=[
            ("agent", "Интернет-магазин Ромашка, меня зовут Ольга, здравствуйте! Чем могу помочь?"),
            ("customer", "Здравствуйте. Я хочу заказать электрический чайник."),
            ("agent", "Подскажите, пожалуйста, какой объём вам нужен и для чего вы будете его использовать?"),
            ("customer", "Литра полтора, для дома, чтобы быстро кипятил."),
            ("agent", "Поняла вас, нужен чайник на полтора литра для дома. Есть модель Бриз за две тысячи рублей."),
            ("customer", "Хорошо, давайте его."),
            ("agent", "Отлично. Итак, чайник Бриз, две тысячи рублей, доставка завтра. К нему часто берут фильтр для воды, добавить?"),
            ("customer", "Нет, спасибо, не нужно."),
            ("agent", "Скажите, по шкале от нуля до десяти, насколько вероятно, что вы порекомендуете нас друзьям?"),
            ("customer", "Девять."),
            ("agent", "Спасибо за заказ! Всего доброго, до свидания."),
        ],
    ),
    "en_order_mono.mp3": dict(
        lang="en", stereo=False, agent="en-us+f2", customer="en-gb+m3",
        lines=[
            ("agent", "Thank you for calling Bright Home store, my name is Emma. How can I help you today?"),
            ("customer", "Hi Emma. I would like to order a desk lamp."),
            ("agent", "Sure. What will you mostly use it for, reading or working at a computer?"),
            ("customer", "Mostly reading in the evening."),
            ("agent", "Then I recommend the Aurora lamp with warm light. It costs forty five dollars."),
            ("customer", "Great, I will take it."),
            ("agent", "So that is one Aurora lamp, forty five dollars, delivered on Friday. Would you like a spare bulb as well?"),
            ("customer", "Yes, please add one bulb."),
            ("agent", "Thank you for your order. Have a nice day, goodbye!"),
        ],
    ),
    "ru_delivery_mono.ogg": dict(
        lang="ru", stereo=False, agent="festival-ru", customer="ru+f2",
        lines=[
            ("agent", "Магазин Техносфера, меня зовут Иван, слушаю вас."),
            ("customer", "Добрый день. Где мой заказ? Номер сорок два ноль семь."),
            ("agent", "Оставайтесь, пожалуйста, на линии, я проверю статус заказа."),
            ("agent", "Спасибо за ожидание. Заказ передан курьеру и будет у вас сегодня до шести вечера."),
            ("customer", "Спасибо большое."),
            ("agent", "Пожалуйста. Спасибо за звонок, до свидания."),
        ],
    ),
    "en_support_stereo.wav": dict(
        lang="en", stereo=True, agent="en-us+m3", customer="en-us+f3",
        lines=[
            ("agent", "Good morning, Bright Home store, this is Jack speaking."),
            ("customer", "Hello, my blender stopped working after a week."),
            ("agent", "I am sorry to hear that. Could you tell me what happens when you switch it on?"),
            ("customer", "Nothing at all, the light does not even turn on."),
            ("agent", "I understand, the blender does not power on. We will replace it under warranty, free of charge."),
            ("customer", "That is great, thank you."),
            ("agent", "You are welcome. Thank you for calling, goodbye!"),
        ],
    ),
}

METADATA = [
    {"file": "ru_order_stereo.flac", "operator": "op-olga", "operator_name": "Ольга", "team": "ru-desk", "started_at": "2026-11-02T10:15:00", "direction": "inbound", "phone": "+79990001122", "order_id": "R-1001"},
    {"file": "en_order_mono.mp3", "operator": "op-emma", "operator_name": "Emma", "team": "en-desk", "started_at": "2026-11-02T11:40:00", "direction": "inbound", "phone": "+15550100", "order_id": "B-2001"},
    {"file": "ru_delivery_mono.ogg", "operator": "op-ivan", "operator_name": "Иван", "team": "ru-desk", "started_at": "2026-11-03T09:05:00", "direction": "inbound", "phone": "+79990003344", "order_id": "4207"},
    {"file": "en_support_stereo.wav", "operator": "op-jack", "operator_name": "Jack", "team": "en-desk", "started_at": "2026-11-03T14:20:00", "direction": "inbound", "phone": "+15550199", "order_id": ""},
]


def speak(text: str, voice: str, tmp: Path) -> np.ndarray:
    """``voice``: an espeak-ng voice, or ``festival-ru[:semitones]`` (pitch-shifted)."""
    import librosa

    wav = tmp / "u.wav"
    if voice.startswith("festival-ru"):
        shift = float(voice.split(":")[1]) if ":" in voice else 0.0
        (tmp / "u.txt").write_text(text, encoding="utf-8")
        subprocess.run(["text2wave", "-eval", "(voice_msu_ru_nsh_clunits)", str(tmp / "u.txt"), "-o", str(wav)], check=True)
        samples, rate = sf.read(wav, dtype="float32")
        if shift:
            samples = librosa.effects.pitch_shift(samples, sr=rate, n_steps=shift)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-s", "135", "-w", str(wav), text], check=True)
        samples, rate = sf.read(wav, dtype="float32")
    samples = samples / (np.max(np.abs(samples)) or 1.0)
    return librosa.resample(samples, orig_sr=rate, target_sr=RATE)


def render(spec: dict, tmp: Path) -> np.ndarray:
    rng = np.random.default_rng(7)
    tracks = {"agent": [], "customer": []}
    cursor = 0.6
    for role, text in spec["lines"]:
        audio = speak(text, spec[role], tmp) * (0.5 if role == "agent" else 0.4)
        tracks[role].append((cursor, audio))
        cursor += len(audio) / RATE + float(rng.uniform(0.5, 1.2))
    length = int((cursor + 0.5) * RATE)
    out = np.zeros((2, length), dtype=np.float32)
    for ch, role in enumerate(("agent", "customer")):
        for start, audio in tracks[role]:
            i = int(start * RATE)
            out[ch, i : i + len(audio)] += audio
    out += rng.normal(0, 10 ** (-65 / 20), out.shape).astype(np.float32)  # line noise
    return out if spec["stereo"] else out.sum(axis=0, keepdims=True) * 0.8


def encode(samples: np.ndarray, path: Path) -> None:
    codec, fmt, rate = {
        ".flac": ("flac", "s16", RATE), ".mp3": ("libmp3lame", "fltp", 16000),
        ".ogg": ("libopus", "flt", 16000), ".wav": ("pcm_mulaw", "s16", RATE),
    }[path.suffix]
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout=layout)
        frame.sample_rate = RATE
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(chunk):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in CALLS.items():
            encode(render(spec, Path(tmp)), OUT / name)
            print(OUT / name)
    with (HERE / "calls.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(METADATA[0]))
        writer.writeheader()
        writer.writerows(METADATA)


if __name__ == "__main__":
    main()
