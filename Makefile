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

test: venv lint browser
	$(BIN)/python -m pytest -q

# The browser tests (tests/browser) drive Debian's Chromium through Playwright: Playwright's own browser
# download cannot work offline. CJK fonts so the pages (and their screenshots) show Chinese.
.PHONY: browser
browser:
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { \
	  echo "installing chromium and fonts-noto-cjk for the browser tests (needs root)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; }

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
