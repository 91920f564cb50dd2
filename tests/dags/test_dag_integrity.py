"""The DAG folder imports cleanly, cheaply, and declares what operators expect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

DAG_ID = "vendor_reconciliation_daily"
HEAVY_MODULES = ("dbt", "great_expectations", "sp_api", "duckdb", "pandas")
# cosmos is exempt: DbtTaskGroup must create the model tasks while the file is
# parsed. It reads the manifest of `dbt parse` and loads neither dbt nor a
# connection (about 0.2 s); the package modules it needs are these two.
PARSE_TIME_PACKAGE_MODULES = {
    "vendor_recon",
    "vendor_recon.dbt_tasks",
    "vendor_recon.settings",
    # Standard library only: the DAG's success and failure callbacks.
    "vendor_recon.alerts",
    "vendor_recon.alerts.callbacks",
}
WAREHOUSE_POOL = "warehouse_writer"


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
        if task.task_id in ("check_raw", "check_staging", "check_marts"):
            # A failed critical expectation fails the same way on every try.
            assert task.retries == 0
        else:
            assert task.retries >= 2, task.task_id


def test_task_order(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert dag.get_task("extract").upstream_task_ids == {"list_accounts"}
    assert dag.get_task("load").upstream_task_ids == {"extract", "extract_inbox"}
    models = [t for t in dag.tasks if t.task_id.startswith("build_marts.")]
    assert models, "build_marts has no model tasks"
    roots = [t for t in models if "check_raw" in t.upstream_task_ids]
    assert roots
    for model in models:
        assert model.upstream_task_ids <= {"check_raw", *(m.task_id for m in models)}
    upstream_of_staging = dag.get_task("check_staging").upstream_task_ids
    assert upstream_of_staging
    assert all(task_id.startswith("build_marts.") for task_id in upstream_of_staging)
    assert dag.get_task("check_marts").upstream_task_ids == {"check_staging"}
    assert dag.get_task("build_monitoring").upstream_task_ids == {"check_marts"}


def test_one_dbt_task_per_model(dagbag, dbt_manifest):
    manifest = json.loads(dbt_manifest.read_text())
    model_names = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        # Built after the checks by build_monitoring, not by cosmos.
        and not node["original_file_path"].startswith("models/monitoring/")
    }
    dag = dagbag.dags[DAG_ID]
    group = dag.task_group.children["build_marts"]
    tasks = {task_id.removeprefix("build_marts.") for task_id in group.children}
    assert {f"{name}_model_build" for name in model_names} <= tasks


def test_warehouse_writers_share_one_pool(dagbag):
    dag = dagbag.dags[DAG_ID]
    writers = [
        task
        for task in dag.tasks
        if task.task_id
        in ("load", "check_raw", "check_staging", "check_marts", "build_monitoring")
        or task.task_id.startswith("build_marts.")
    ]
    assert {task.pool for task in writers} == {WAREHOUSE_POOL}
    assert dag.get_task("extract").pool != WAREHOUSE_POOL


def test_a_missing_manifest_is_a_one_line_import_error(repo, tmp_path):
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(repo / 'dags')!r})\n"
        "print(list(bag.import_errors.values())[0].strip().splitlines()[-1])\n"
    )
    env = {**os.environ, "VENDOR_RECON_DBT_MANIFEST": str(tmp_path / "none.json")}
    output = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert "make manifest" in output.strip().splitlines()[-1]


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
    heavy = [m for m in added if m.split(".")[0] in HEAVY_MODULES]
    assert heavy == []
    package = {m for m in added if m.split(".")[0] == "vendor_recon"}
    assert package <= PARSE_TIME_PACKAGE_MODULES
