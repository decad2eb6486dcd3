# The two commands a newcomer needs: `make run` and `make test`. Nothing here needs Docker.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Locust (make loadtest, bench row 8) lives in a venv of its own: its pins are not moto's.
LOCUST_VENV := .venv-locust
LOCUST := $(LOCUST_VENV)/bin/locust
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/runtime/requirements.txt layers/pillow/requirements.txt layers/ocr/requirements.txt | cksum | cut -d' ' -f1)

.PHONY: venv test lint unit run clean

# The OCR of functions/precheck goes in as its layer does: --no-deps from a complete pinned list, so no
# GUI OpenCV comes along (layers/ocr/MODELS.md); pip check proves the list complete.
$(STAMP): requirements-dev.txt layers/runtime/requirements.txt layers/pillow/requirements.txt layers/ocr/requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -r layers/ocr/requirements.txt
	$(BIN)/pip check
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

test: venv lint scan browser
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
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(LOCUST_VENV) .pytest_cache .ruff_cache .mypy_cache .aws-sam .aws-sam-transformed.json

# The upload dead-letter queue of the running `make run` stack (PORT as for make run).
.PHONY: dlq redrive
dlq: venv
	$(BIN)/python -m local.dlq show

redrive: venv
	$(BIN)/python -m local.dlq redrive

# Speed, memory, cold start and AWS cost, each against its floor (bench/README.md). ARGS=--quick for a smoke run.
.PHONY: bench
bench: venv $(LOCUST)
	$(BIN)/python -m bench $(ARGS)

# Deadline day on the local stack (bench/loadtest): Locust drives candidates' journeys and reviewers'
# reads at the capacity model's peak scaled down, with the throttles scaled the same way; every started
# journey must complete. ARGS="--journeys 80 --users 20 --scale 0.03" for another mix, --quick to smoke.
# Locust lives in a venv of its own (.venv-locust): gevent patches what it imports.
.PHONY: loadtest
loadtest: venv $(LOCUST)
	$(BIN)/python -m bench.loadtest $(ARGS)

$(LOCUST): bench/loadtest/requirements.txt
	test -x $(LOCUST_VENV)/bin/python || $(PY) -m venv $(LOCUST_VENV)
	$(LOCUST_VENV)/bin/pip install -q -r bench/loadtest/requirements.txt
	touch $@

# ---------------------------------------------------------------- deploy
# sam and checkov live in venvs of their own: each pins a boto3 older than the project's.
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
SAM := $(SAM_VENV)/bin/sam
CHECKOV := $(CHECKOV_VENV)/bin/checkov
STACK_NAME ?= exam-materials
TEMPLATE ?= template.yaml

$(SAM): deploy/requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q -r deploy/requirements-sam.txt
	touch $@

$(CHECKOV): deploy/requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PY) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -r deploy/requirements-checkov.txt
	touch $@

# checkov on the template as CloudFormation receives it (after the SAM transform): zero failed checks;
# each suppression is in the resource's Metadata with its reason.
.PHONY: scan build deploy-web
scan: venv $(CHECKOV)
	$(BIN)/python -m deploy.transform > .aws-sam-transformed.json
	$(CHECKOV) -f .aws-sam-transformed.json --framework cloudformation --compact --quiet

# sam build: the functions' code and the layers, compiled to .pyc by Lambda's Python (3.12).
build: $(SAM)
	@PY312="$$(deploy/find_python312.sh)" || { echo "make build needs Python 3.12, the Lambda runtime's version, to compile the" \
	  ".pyc the artifacts ship: install it (e.g. pyenv install 3.12) or point PY312 at a python3.12." >&2; exit 1; }; \
	PATH="$$(dirname "$$PY312"):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build --template $(TEMPLATE)

# The AWS China regions' template (README "Deploy in the China regions"): generated from template.yaml.
# `make build TEMPLATE=template-china.yaml` builds it; a test fails when the committed file is stale.
.PHONY: china-template
china-template: venv
	$(BIN)/python -m deploy.china

# After `sam deploy`: the web client to its bucket (cache headers per file), the config.json it reads,
# the sample pictures to the materials bucket, the requirement catalogue's first version if the table has
# none (as seed-catalogue), then a CloudFront invalidation. STACK_NAME as deployed.
deploy-web: venv
	$(BIN)/python -m deploy.web --stack-name $(STACK_NAME)

# The requirement catalogue (README "The exam season"): deploy/catalogue.json as version 1 if the table has
# none (a seed step, conditional: running it again writes nothing); publish-catalogue makes FILE the next
# version (new sites, regions or categories: what the office's editor does not change).
.PHONY: seed-catalogue publish-catalogue
seed-catalogue: venv
	$(BIN)/python -m deploy.catalogue seed --stack-name $(STACK_NAME)

publish-catalogue: venv
	$(BIN)/python -m deploy.catalogue publish --stack-name $(STACK_NAME) --file $(FILE) --by "$${USER:-operator}"

# The faults soak (tests/soak.py): SOAK_UPLOADS uploads through process_image and the local worker with
# injected S3/DynamoDB faults, kills, duplicate and late deliveries, slow-decode files, an outage and a
# redrive; prints the figures (make test runs 300).
SOAK_UPLOADS ?= 2000
.PHONY: soak
soak: venv
	SOAK_UPLOADS=$(SOAK_UPLOADS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/integration/test_faults.py -k soak

# File fuzzing of the image pipeline with a large random budget (make test runs a small fixed one).
# FUZZ_EXAMPLES files per strategy (random bytes, mutated JPEG/PNG); prints files fuzzed and bounds.
FUZZ_EXAMPLES ?= 20000
.PHONY: fuzz
fuzz: venv
	PYTHONPATH=functions:. $(BIN)/python -m tests.unit.test_imaging_fuzz --examples $(FUZZ_EXAMPLES)

# Schemathesis against the local stack, longer than `make test`'s run: every operation as a candidate, a
# site reviewer and the exam office. A new seed each run (printed; API_FUZZ_SEED=… repeats one).
.PHONY: fuzz-api
API_FUZZ_EXAMPLES ?= 300
fuzz-api: venv
	@seed=$${API_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "API_FUZZ_SEED=$$seed API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES)"; \
	API_FUZZ_SEED=$$seed API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/local/test_schemathesis.py -k test_every_operation
