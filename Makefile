# The two commands a newcomer needs: `make run` and `make test`. Nothing here needs Docker.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt functions/requirements.txt layers/pillow/requirements.txt | cksum | cut -d' ' -f1)

.PHONY: venv test lint unit run clean

$(STAMP): requirements-dev.txt functions/requirements.txt layers/pillow/requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .

test: venv lint
	$(BIN)/python -m pytest -q

run: venv
	$(BIN)/python -m local

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The upload dead-letter queue of the running `make run` stack (PORT as for make run).
.PHONY: dlq redrive
dlq: venv
	$(BIN)/python -m local.dlq show

redrive: venv
	$(BIN)/python -m local.dlq redrive

# Speed, memory, cold start and AWS cost, each against its floor (bench/README.md). ARGS=--quick for a smoke run.
.PHONY: bench
bench: venv
	$(BIN)/python -m bench $(ARGS)

# File fuzzing of the image pipeline with a large random budget (make test runs a small fixed one).
# FUZZ_EXAMPLES files per strategy (random bytes, mutated JPEG/PNG); prints files fuzzed and bounds.
FUZZ_EXAMPLES ?= 20000
.PHONY: fuzz
fuzz: venv
	PYTHONPATH=functions:. $(BIN)/python -m tests.unit.test_imaging_fuzz --examples $(FUZZ_EXAMPLES)
