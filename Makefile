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

# Schemathesis against the local stack, longer than `make test`'s run: every operation as a candidate, a
# site reviewer and the exam office. A new seed each run (printed; API_FUZZ_SEED=… repeats one).
.PHONY: fuzz-api
FUZZ_EXAMPLES ?= 300
fuzz-api: venv
	@seed=$${API_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "API_FUZZ_SEED=$$seed API_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES)"; \
	API_FUZZ_SEED=$$seed API_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/local/test_schemathesis.py -k test_every_operation
