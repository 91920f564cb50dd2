"""The DAG folder imports cleanly, cheaply, and declares what operators expect."""

from __future__ import annotations

import json
import os
import re
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
# cosmos names a node's task <name>_<resource type>[_build].
NODE_TASK = re.compile(r"(.+)_(?:model|seed|snapshot)(?:_build)?")
WRITERS = (
    "load",
    "check_raw",
    "check_staging",
    "backup_marts",
    "check_marts",
    "restore_marts",
    "build_monitoring",
)


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


def _group_tasks(dag, group_id: str) -> list:
    return [t for t in dag.tasks if t.task_id.startswith(f"{group_id}.")]


def test_task_order(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert dag.get_task("extract").upstream_task_ids == {"list_accounts"}
    assert dag.get_task("load").upstream_task_ids == {"extract", "extract_inbox"}
    assert dag.get_task("check_raw").upstream_task_ids == {"load"}
    # Each group starts after the check before it, and only its own tasks
    # lead to the check after it.
    for group_id, before, after in (
        ("build_staging", "check_raw", "check_staging"),
        ("build_marts", "backup_marts", "check_marts"),
    ):
        models = _group_tasks(dag, group_id)
        assert models, f"{group_id} has no model tasks"
        ids = {m.task_id for m in models}
        assert [m for m in models if before in m.upstream_task_ids]
        for model in models:
            assert model.upstream_task_ids <= {before, *ids}
        assert dag.get_task(after).upstream_task_ids <= ids
        assert dag.get_task(after).upstream_task_ids
    assert dag.get_task("backup_marts").upstream_task_ids == {"check_staging"}
    assert dag.get_task("build_monitoring").upstream_task_ids == {"check_marts"}


def test_restore_waits_for_every_mart_task_and_runs_whatever_happened(dagbag):
    dag = dagbag.dags[DAG_ID]
    restore = dag.get_task("restore_marts")
    marts = {t.task_id for t in _group_tasks(dag, "build_marts")}
    assert restore.upstream_task_ids == {*marts, "check_marts"}
    assert restore.trigger_rule == "all_done"
    assert restore.downstream_task_ids == set()


def _model_names(manifest_file, folder: str | None, *, exclude=()) -> set[str]:
    manifest = json.loads(manifest_file.read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and (folder is None or node["original_file_path"].startswith(folder))
        and not node["original_file_path"].startswith(exclude)
    }


def test_one_dbt_task_per_node_in_each_group(dagbag, dbt_manifest):
    dag = dagbag.dags[DAG_ID]
    staging = _model_names(dbt_manifest, "models/staging/")
    # Built after the checks by build_monitoring, not by cosmos.
    rest = _model_names(
        dbt_manifest, None, exclude=("models/staging/", "models/monitoring/")
    )
    assert staging
    assert rest
    for group_id, names in (("build_staging", staging), ("build_marts", rest)):
        group = dag.task_group.children[group_id]
        tasks = {task_id.removeprefix(f"{group_id}.") for task_id in group.children}
        built = {match.group(1) for match in map(NODE_TASK.fullmatch, tasks) if match}
        assert built == names, group_id


def test_warehouse_writers_share_one_pool(dagbag):
    dag = dagbag.dags[DAG_ID]
    writers = [
        task
        for task in dag.tasks
        if task.task_id in WRITERS
        or task.task_id.startswith(("build_staging.", "build_marts."))
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
