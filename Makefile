# Two commands do all the set-up: `make demo` runs the daily job on the built-in
# simulator, `make test` runs the tests. Both create .venv when needed.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := dbt_project/dbt_project.yml dbt_project/profiles.yml \
	$(shell find dbt_project/models dbt_project/macros dbt_project/seeds \
		dbt_project/snapshots dbt_project/tests -type f 2>/dev/null)

export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DBT_VERSION_CHECK := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export AIRFLOW__COSMOS__CACHE_DIR := $(CURDIR)/.airflow/cosmos
export AIRFLOW__COSMOS__ENABLE_DATASET_AIRFLOW3_URI := True
export DO_NOT_TRACK := 1
export SCARF_NO_ANALYTICS := true
export GX_ANALYTICS_ENABLED := False

.PHONY: demo test test-fast test-scheduler manifest lint format clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The DAG draws one task per dbt model from this manifest (`dbt parse`).
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/vendor-recon manifest

manifest: $(MANIFEST)

demo: $(MANIFEST)
	$(BIN)/vendor-recon demo

# The scheduler test starts real Airflow processes (minutes); CI runs it apart.
test: $(MANIFEST)
	$(BIN)/python -m pytest -m "not scheduler"

test-fast: $(MANIFEST)
	$(BIN)/python -m pytest -m "not e2e and not scheduler"

test-scheduler: $(MANIFEST)
	$(BIN)/python -m pytest -m scheduler

lint: $(STAMP)
	$(BIN)/ruff check plugins dags tests expectations
	$(BIN)/ruff format --check plugins dags tests expectations
	$(BIN)/sqlfluff lint dbt_project/models

format: $(STAMP)
	$(BIN)/ruff format plugins dags tests expectations
	$(BIN)/ruff check --fix plugins dags tests expectations

clean:
	rm -rf warehouse snapshots .airflow dbt_project/target dbt_project/logs
