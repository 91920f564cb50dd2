"""An alert for a failed DAG run, from the callback's context and the run's checks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vendor_recon.alerts.model import Alert

logger = logging.getLogger(__name__)

MAX_LISTED = 5


def failed_run_alert(context: Any, warehouse_path: Path) -> Alert | None:
    """A critical `pipeline_failure` alert naming the failed tasks and checks.

    None when the context does not describe a failed run. The failed critical
    Great Expectations checks of this run_id are listed, since a run stopped by
    them never gets to rebuild the alerts model.
    """
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    dag_id = getattr(dag_run, "dag_id", None) or getattr(dag, "dag_id", None)
    run_id = getattr(dag_run, "run_id", None) or context.get("run_id")
    if not dag_id or not run_id:
        return None
    if str(getattr(dag_run, "state", "failed")).lower().endswith("success"):
        return None

    parts = []
    tasks = _failed_task_ids(context, dag_run)
    if tasks:
        parts.append("failed tasks: " + ", ".join(tasks[:MAX_LISTED]))
    checks = _failed_critical_checks(warehouse_path, run_id)
    if checks:
        parts.append(
            f"{len(checks)} critical check(s) failed: " + "; ".join(checks[:MAX_LISTED])
        )
    if _marts_restored(warehouse_path, run_id):
        parts.append("marts of the previous good run kept")
    reason = context.get("reason")
    if reason and not parts:
        parts.append(str(reason))
    return Alert.adhoc(
        "pipeline_failure",
        "critical",
        f"DAG {dag_id} run {run_id}",
        "; ".join(parts) or "the run failed",
        keys=(dag_id, run_id),
        seen_at=datetime.now(UTC),
    )


def _failed_task_ids(context: Any, dag_run: Any) -> list[str]:
    ids: set[str] = set()
    try:
        for ti in dag_run.get_task_instances(state=["failed", "upstream_failed"]):
            if str(ti.state).endswith("failed") and "upstream" not in str(ti.state):
                ids.add(ti.task_id)
    except Exception as exc:  # the DAG processor may not allow it
        logger.info("Could not list the run's task instances: %s", type(exc).__name__)
    ti = context.get("task_instance") or context.get("ti")
    if not ids and getattr(ti, "task_id", None):
        ids.add(ti.task_id)
    return sorted(ids)


def _failed_critical_checks(warehouse_path: Path, run_id: str) -> list[str]:
    # Read where the checks wrote: the DuckDB file or PostgreSQL.
    from vendor_recon.quality.connection import open_warehouse, warehouse_errors
    from vendor_recon.warehouse_postgres import warehouse_kind

    if warehouse_kind() == "duckdb" and not warehouse_path.is_file():
        return []
    try:
        with open_warehouse(warehouse_path) as connection:
            rows = connection.execute(
                """
                select suite_name, expectation_type,
                    array_to_string(column_names, ', ')
                from quality.gx_results
                where run_id = ? and severity = 'critical' and not success
                order by layer, suite_name, expectation_type
                """,
                [run_id],
            )
    except warehouse_errors() as exc:
        logger.info("No check results for run %s: %s", run_id, type(exc).__name__)
        return []
    return [
        f"{suite} [{columns}]: {check}" if columns else f"{suite}: {check}"
        for suite, check, columns in rows
    ]


def _marts_restored(warehouse_path: Path, run_id: str) -> bool:
    from vendor_recon.quality.connection import warehouse_errors
    from vendor_recon.quality.published_marts import RESTORED, backup_status

    try:
        return backup_status(warehouse_path, run_id) == RESTORED
    except warehouse_errors() as exc:
        logger.info("No marts backup record for run %s: %s", run_id, exc)
        return False
