"""The naive WhisperX-style baseline a user would assemble: faster-whisper on the whole file (mixed to mono),
pyannote diarization on the whole file, each word given to the speaker turn it overlaps most. Same models and
decoding options as ``qa process`` (bundled Whisper base, int8, beam 5; the bundled pyannote weights).

    python bench/whisperx_style.py MODEL_DIR FILE...
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faster_whisper import WhisperModel, decode_audio  # noqa: E402

from transcription.diarize import Diarizer, DiarizerOptions  # noqa: E402


def speaker_of(word, turns) -> str | None:
    best, label = 0.0, None
    for t in turns:
        overlap = min(word.end, t.end_s) - max(word.start, t.start_s)
        if overlap > best:
            best, label = overlap, t.speaker
    return label


model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
diarizer = Diarizer(DiarizerOptions(clustering_threshold=0.7, segmentation_step=0.1, segmentation_batch_size=1))  # pyannote's own
for path in sys.argv[2:]:
    audio = decode_audio(path, sampling_rate=16000)
    segments, info = model.transcribe(audio, beam_size=5, vad_filter=True, word_timestamps=True,
                                      condition_on_previous_text=False)
    words = [w for s in segments for w in (s.words or [])]
    turns = diarizer(audio, 16000).turns
    labelled = [(speaker_of(w, turns), w.word) for w in words]
    print(path, info.language, len(words), len({s for s, _ in labelled if s}))
