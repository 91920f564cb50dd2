"""The DAG folder imports cleanly, cheaply, and declares what operators expect."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DAG_ID = "vendor_reconciliation_daily"
HEAVY_MODULES = ("dbt", "great_expectations", "sp_api", "duckdb", "pandas", "cosmos")


@pytest.fixture(scope="module")
def dagbag(repo):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(repo / "dags"))


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert DAG_ID in dagbag.dag_ids


def test_schedule_tags_and_retries(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert dag.catchup is False
    assert dag.start_date.tzinfo is not None
    assert str(dag.start_date.tzinfo) in ("UTC", "Timezone('UTC')", "tzutc()")
    assert {"vendor-central", "reconciliation"} <= set(dag.tags)
    assert dag.doc_md
    for task in dag.tasks:
        if task.task_id == "check_marts":
            # A failed critical expectation fails the same way on every try.
            assert task.retries == 0
        else:
            assert task.retries >= 2, task.task_id


def test_task_order(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert dag.get_task("extract").upstream_task_ids == {"list_accounts"}
    assert dag.get_task("load").upstream_task_ids == {"extract"}
    assert dag.get_task("build_marts").upstream_task_ids == {"load"}
    assert dag.get_task("check_marts").upstream_task_ids == {"build_marts"}


def test_no_work_at_import_time(repo):
    """Parsing the DAG file loads nothing heavy beyond what airflow.sdk loads."""
    dag_file = str(repo / "dags" / f"{DAG_ID}.py")
    code = (
        "import importlib.util, json, sys\n"
        "import airflow.sdk\n"
        "before = set(sys.modules)\n"
        f"spec = importlib.util.spec_from_file_location('d', {dag_file!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    output = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    added = json.loads(output.strip().splitlines()[-1])
    heavy = [m for m in added if m.split(".")[0] in (*HEAVY_MODULES, "vendor_recon")]
    assert heavy == []
