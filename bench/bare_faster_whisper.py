"""The baseline: bare faster-whisper, same model and decoding options, no diarization/roles/storage.

    python bench/bare_faster_whisper.py MODEL_DIR FILE...
"""

import sys

from faster_whisper import WhisperModel, decode_audio

model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
for path in sys.argv[2:]:
    audio = decode_audio(path, sampling_rate=16000)
    segments, info = model.transcribe(audio, beam_size=5, vad_filter=True, word_timestamps=True, condition_on_previous_text=False)
    text = " ".join(s.text for s in segments)
    print(path, info.language, len(text))
