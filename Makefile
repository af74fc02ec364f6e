# listkeeper: `make run` brings the whole system up on loopback; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: bench reliability run test lint typecheck unit integration functional e2e browser-deps infra-check package deploy clean
STAGE ?= prod

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m devstack.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) browser-deps lint typecheck infra-check
	$(BIN)/pytest -q -n 2

unit integration functional e2e: $(STAMP)
	$(BIN)/pytest -q tests/$@

# The browser tests drive Debian's Chromium; install it where we can (as root, with apt).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "warning: /usr/bin/chromium is missing and cannot be installed here; browser tests will fail"; fi; \
	fi

# checkov has its own environment: its dependencies would pin the project's.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==3.3.30
	touch $@

# The deployment template, generated and checked offline (cfn-lint here; property tests in tests/infra).
infra-check: $(STAMP) $(CHECKOV_VENV)/.installed
	$(BIN)/python -m infra.build --stage prod --out build/check > /dev/null
	$(BIN)/cfn-lint build/check/sam.json
	$(CHECKOV_VENV)/bin/checkov -f build/check/sam.json --framework cloudformation \
	  --config-file infra/checkov.yaml --quiet --compact

# The CloudFormation template for a stage (functions + every other resource), validated offline.
package: $(STAMP)
	$(BIN)/python -m infra.build --stage $(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.json build/$(STAGE)/front-firewall.json

# Needs the AWS CLI, credentials, and an artifacts bucket: see README "Deploy to AWS".
deploy: package
	@test -n "$(ARTIFACTS_BUCKET)" || { echo "set ARTIFACTS_BUCKET=<an S3 bucket for the deployment package>"; exit 1; }
	@test -n "$(ALARM_EMAIL)" || { echo "set ALARM_EMAIL=<who is told when a removal deadline is at risk>"; exit 1; }
	@test -n "$(PARTNER_BUS_ARN)" || { echo "set PARTNER_BUS_ARN=<the EventBridge bus partners read removals from>"; exit 1; }
	@test -n "$(CERTIFICATE_ARN)" || { echo "set CERTIFICATE_ARN=<an ACM certificate for the links' domain>"; exit 1; }
	aws cloudformation package --template-file build/$(STAGE)/sam.json --s3-bucket $(ARTIFACTS_BUCKET) \
	  --output-template-file build/$(STAGE)/packaged.json --use-json
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.json --stack-name listkeeper-$(STAGE) \
	  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
	  --parameter-overrides AlarmEmail=$(ALARM_EMAIL) PartnerBusArn=$(PARTNER_BUS_ARN) \
	    CertificateArn=$(CERTIFICATE_ARN) ShopifyEventSource=$(SHOPIFY_EVENT_SOURCE) \
	    FrontFirewallArn=$(FRONT_FIREWALL_ARN)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts

# Benchmarks (not part of make test): one table, bench/results.json and bench/chart.png.
bench: $(STAMP)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The reliability report: every test marked `reliability` (hostile input, races, faults) counted into one table,
# which must show zero lost removals, duplicate sends, wrong state changes, 5xx and crashes.
RELIABILITY_OUT := build/reliability.jsonl
reliability: $(STAMP) browser-deps
	@mkdir -p build && rm -f $(RELIABILITY_OUT)
	LISTKEEPER_RELIABILITY_OUT=$(abspath $(RELIABILITY_OUT)) $(BIN)/pytest -q -n 2 -m reliability
	$(BIN)/python -m tests.support.reliability $(RELIABILITY_OUT)
