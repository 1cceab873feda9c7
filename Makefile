# Every target is listed by `make help`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
CFNLINT_VENV := .venv-cfnlint
ARCH ?= arm64
LAMBDA_PYTHON ?= 3.13
PYTEST_ARGS ?=
TEST_WORKERS ?= auto
HOST_ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)
LOCAL_PYTHON_VERSION = $(shell $(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# Terraform: use the local provider mirror when this machine has one (offline), else the registry.
TF_MIRROR ?= $(firstword $(wildcard /opt/tf-plugins /usr/share/terraform/plugins $(HOME)/.terraform.d/plugins))
export TF_CLI_CONFIG_FILE := $(CURDIR)/build/terraformrc
export TF_IN_AUTOMATION := 1
TF_DIRS = $(sort $(dir $(wildcard modules/*/main.tf examples/*/main.tf examples/*/*/main.tf))) ./

.PHONY: help install test lint package release stackset-template dashboards lock demo bench scale clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@# uv installs the ~80 packages in seconds where pip takes a minute or two; pip is the fallback
	$(PY) -m pip install --quiet --disable-pip-version-check 'uv>=0.5,<1' && \
		$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]' || \
		$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv with the project and its development tools (idempotent)

build/terraformrc:
	@mkdir -p build
	@if [ -n "$(TF_MIRROR)" ]; then \
		printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/*/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n' "$(TF_MIRROR)" > $@; \
	fi
	@echo 'disable_checkpoint = true' >> $@

test: install build/terraformrc $(CFNLINT_VENV)/.installed ## Run the whole test suite (starts and stops its own PostgreSQL)
	@# both architectures for the Lambda runtime: tests/project/test_release.py builds a whole release offline
	@for arch in arm64 x86_64; do $(PY) scripts/package.py fetch --arch $$arch --python-version $(LAMBDA_PYTHON); done
	@$(PY) scripts/package.py fetch --arch $(HOST_ARCH) --python-version $(LOCAL_PYTHON_VERSION)
	@$(PY) -m labkit.browser ensure  # headless Chromium for the report test (apt-get if missing)
	@# one pytest-xdist worker per core; tests/conftest.py keeps each file (and tests/demo) on one worker
	$(PY) -m labkit.pgcluster run -- $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check 'checkov>=3.2,<4'
	@touch $@

lint: install build/terraformrc $(CHECKOV_VENV)/.installed ## ruff, terraform fmt/validate, checkov
	$(VENV)/bin/ruff check src tests scripts bench
	$(VENV)/bin/ruff format --check src tests scripts bench
	$(PY) scripts/datamodel.py --check  # docs/data-model.md generated from src/receiver/tables.py
	$(PY) scripts/collectors.py --check  # collector-actions.json and README's collector table
	$(PY) -m dashboards --check  # modules/dashboards/{datasets,dashboard-definition}.json
	terraform fmt -check -recursive -diff
	@set -e; for dir in $(TF_DIRS); do \
		echo "terraform validate $$dir"; \
		terraform -chdir=$$dir init -backend=false -input=false -no-color >/dev/null; \
		terraform -chdir=$$dir validate -no-color; \
	done
	$(CHECKOV_VENV)/bin/checkov --directory . --framework terraform --quiet --compact \
		--skip-download --skip-path examples --skip-path tests --skip-path src --skip-path '\.venv'

package: install ## Build dist/sender.zip and dist/analytics.zip (ARCH=arm64|x86_64)
	$(PY) scripts/package.py build --arch $(ARCH) --python-version $(LAMBDA_PYTHON)

# The member sender's StackSet template, rendered by Terraform with no provider (modules/organization/
# template through scripts/stackset-template): no AWS, no network. STACKSET_VARS passes -var-file=...
STACKSET_OUT ?= dist/sender-stackset.json
STACKSET_VARS ?=
stackset-template: build/terraformrc ## dist/sender-stackset.json: the organization's sender StackSet template (example inputs)
	@mkdir -p $(dir $(STACKSET_OUT)) build/stackset-template
	@terraform -chdir=scripts/stackset-template init -backend=false -input=false -no-color >/dev/null
	@terraform -chdir=scripts/stackset-template apply -auto-approve -input=false -no-color \
		-state=$(CURDIR)/build/stackset-template/$(notdir $(STACKSET_OUT)).tfstate $(STACKSET_VARS) >/dev/null
	@terraform -chdir=scripts/stackset-template output -no-color -raw \
		-state=$(CURDIR)/build/stackset-template/$(notdir $(STACKSET_OUT)).tfstate template_json \
		| $(PYTHON) -m json.tool > $(STACKSET_OUT)
	@echo "wrote $(STACKSET_OUT)"

# The QuickSight requests modules/dashboards sends, offline: build/dashboards/dashboard.json
# (CreateDashboard) and build/dashboards/datasets/*.json (CreateDataSet), and the module's two
# generated inputs. DASHBOARD_ARGS fills in your account, e.g.
#   make dashboards DASHBOARD_ARGS="--account-id 111122223333 --region eu-west-1 --reader arn:..."
DASHBOARD_ARGS ?=
dashboards: install ## build/dashboards/: the CreateDashboard and CreateDataSet requests (offline)
	$(PY) -m dashboards --out build/dashboards $(DASHBOARD_ARGS)

$(CFNLINT_VENV)/.installed:
	$(PYTHON) -m venv $(CFNLINT_VENV)
	$(CFNLINT_VENV)/bin/pip install --quiet --disable-pip-version-check 'cfn-lint>=1.20,<2'
	@touch $@

release: install ## dist/release/: both architectures' zips (versioned names), SHA256SUMS, manifest.json
	$(PY) scripts/package.py release --python-version $(LAMBDA_PYTHON)

lock: install ## Re-pin requirements/lambda.txt from requirements/lambda.in
	$(PY) scripts/package.py lock

demo: install ## The whole pipeline on an emulated organization, then report.html (no AWS account)
	@$(PY) -m labkit.pgcluster run -- $(PY) -m demo --out report.html

# Both benches run whatever the first says: every target is printed; a missed one fails at the end.
bench: install ## Benchmarks, each against a baseline measured in the same run (about 5 minutes)
	@sender=0; $(PY) bench/sender_bench.py || sender=$$?; \
	receiver=0; $(PY) -m labkit.pgcluster run -- $(PY) bench/receiver_bench.py || receiver=$$?; \
	if [ $$sender -ne 0 ] || [ $$receiver -ne 0 ]; then \
		echo "bench: a target was missed (sender exit $$sender, receiver exit $$receiver)"; exit 1; fi

# The scale simulation (issue 16): per N, a fresh database filled with N accounts over D days
# (sample days through the real receiver, the rest at bulk speed), every view, report query and
# dashboard dataset timed, the tables sized. Tens of minutes at N = 1,000; never part of `make test`.
SCALE_ARGS ?= --accounts 10,100,1000 --days 400 --write docs/scale.md
scale: install ## Measure N accounts over D days (SCALE_ARGS) and write docs/scale.md (tens of minutes)
	$(PY) -m labkit.pgcluster run -- $(PY) -m labkit.scale $(SCALE_ARGS)

clean: ## Remove build output (dist/, build/) and Terraform working directories
	rm -rf dist build
	find . -name .terraform -type d -prune -exec rm -rf {} +
