"""``qa eval`` (a rubric against gold labels), ``qa learn`` (classifiers from human verdicts) and
``qa learned`` (the stored learned models)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.cli import common
from qa.cli.common import AudioOpt, JsonOpt, RubricOpt, emit

app = typer.Typer()

TrainOpt = Annotated[Optional[Path], typer.Option(help="Folder of labeled interchange JSON files to learn from (default: the human verdicts in the database).")]
HeldOutOpt = Annotated[Optional[Path], typer.Option("--held-out", help="Calls never trained on, scored by both the learned model and the rules: a folder like eval/synthetic (audio goes through the pipeline) or of labeled JSON files.")]
EmbeddingsOpt = Annotated[bool, typer.Option("--embeddings/--no-embeddings", help="Add the agent's mean sentence embedding (multilingual USE) to the features.")]
FoldsOpt = Annotated[int, typer.Option(min=2, help="Cross-validation folds.")]
SeedOpt = Annotated[int, typer.Option(help="Seed for folds and the classifier (same data + seed = same model).")]


@app.command("eval")
def eval_(
    directory: Annotated[Path, typer.Argument(help="Labeled interchange JSON files, or folders with transcript.json + stereo.flac/mono.flac.")],
    rubric: RubricOpt = None,
    audio: Annotated[AudioOpt, typer.Option(help="For audio folders: which recording goes through the pipeline.")] = AudioOpt.stereo,
    errors: Annotated[bool, typer.Option("--errors", help="List every disagreement: call, criterion, gold, predicted, reason and the predicted verdict's evidence (--json always has them).")] = False,
    asr_noise: Annotated[float, typer.Option("--asr-noise", min=0.0, max=1.0, help="Run typed transcripts through a seeded model of recognition errors first (0 = off, 1 = strongest); labeled JSON only.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of --asr-noise (same seed + level + calls = same noisy text).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Score labeled calls and compare with their gold labels: per-criterion accuracy, precision, recall, F1, confusion.

    Also the outcome against gold (order placed, NPS score) and how far confidences can be trusted (ECE, accuracy
    on the 90%/80% most confident verdicts). Use it to check a rubric change before rolling it out; --errors shows
    why each verdict disagrees. Audio folders run the whole pipeline (ASR + scoring).
    """
    from qa.cli.render import eval_tables
    from qa.pipeline.evaluate import audio_folders, evaluate_path
    from qa.pipeline.noise import NoiseSpec
    from qa.reports.serialize import eval_report_dict

    settings = common.settings()
    chosen = common.rubric(settings, rubric)
    noise = NoiseSpec(asr_noise, seed) if asr_noise > 0 else None
    with common.progress(not as_json and bool(audio_folders(directory))) as progress:
        evaluation = evaluate_path(directory, chosen, processor=common.processor(settings), audio=audio.value,
                                   noise=noise, hook=progress.hook)
    emit(as_json, evaluation, eval_report_dict, lambda e: eval_tables(e, chosen, errors=errors))


@app.command()
def learn(
    criteria: Annotated[list[str], typer.Argument(metavar="CRITERION...", help="Criterion ids of the rubric, or 'all'.")],
    train: TrainOpt = None, held_out: HeldOutOpt = None,
    audio: Annotated[AudioOpt, typer.Option(help="Which recording of --held-out folders goes through the pipeline.")] = AudioOpt.stereo,
    embeddings: EmbeddingsOpt = False, folds: FoldsOpt = 5, seed: SeedOpt = 0, rubric: RubricOpt = None, as_json: JsonOpt = False,
) -> None:
    """Train a classifier per criterion on human verdicts; compare it with the rules.

    Scores are cross-validated on the training labels, and taken on held-out calls never trained on. The model is
    stored (versioned, sha256; `qa learned` lists them) for rubrics as kind learned.v1. Example:
    qa learn all --train ../shared/eval/labeled-dev --held-out ../shared/eval/synthetic"""
    from qa.cli.render import learn_view
    from qa.pipeline.learn import learn_criteria
    from qa.reports.serialize import learn_result_dict

    settings = common.settings()
    with common.progress(not as_json and held_out is not None) as progress:
        results = learn_criteria(
            common.engine(settings), criteria=criteria, rubric=common.rubric(settings, rubric), models_dir=settings.models_dir,
            processor=common.processor(settings), train=train, held_out=held_out, audio=audio.value, embeddings=embeddings,
            folds=folds, seed=seed, hook=progress.hook,
        )
    emit(as_json, results, learn_result_dict, learn_view)


@app.command()
def learned(as_json: JsonOpt = False) -> None:
    """List the learned models stored by `qa learn`: criterion, version, file, sha256, training size, scores."""
    from qa.cli.render import learned_table
    from qa.db.learned import list_models
    from qa.reports.serialize import learned_model_dict

    emit(as_json, list_models(common.engine()), learned_model_dict, learned_table)
