"""Backfills and run status of the daily DAG in a running Airflow deployment.

`vendor-recon run` asks Airflow for a backfill (`airflow backfill create`), which
the deployment's scheduler executes like any run, pools and retries included;
`vendor-recon status` reads the recent runs from the metadata database. Both
act on the Airflow that AIRFLOW_HOME (or AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)
names, and import Airflow only when called.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DAG_ID = "vendor_reconciliation_daily"
FINISHED = ("success", "failed")


@dataclass(frozen=True)
class RunStatus:
    run_id: str
    logical_date: datetime | None
    state: str
    start_date: datetime | None
    end_date: datetime | None
    failed_tasks: tuple[str, ...] = ()

    @property
    def seconds(self) -> float | None:
        if self.start_date and self.end_date:
            return (self.end_date - self.start_date).total_seconds()
        return None


def logical_dates(start: date, end: date) -> list[datetime]:
    """The runs covering the UTC days start..end: each run's interval ends next day."""
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return [first + timedelta(days=n + 1) for n in range((end - start).days + 1)]


def backfill(
    start: date,
    end: date,
    *,
    timeout_s: float = 6 * 3600,
    poll_s: float = 5,
    progress: Callable[[list[RunStatus]], None] | None = None,
) -> list[RunStatus]:
    """Backfill the days start..end (data intervals) and wait until they finish."""
    dates = logical_dates(start, end)
    _require_scheduler()
    # Airflow's own CLI validates the range and writes the backfill's runs.
    _airflow(
        "backfill",
        "create",
        "--dag-id",
        DAG_ID,
        "--from-date",
        dates[0].isoformat(),
        "--to-date",
        dates[-1].isoformat(),
        "--reprocess-behavior",
        "completed",
        "--max-active-runs",
        "1",
    )
    deadline = time.monotonic() + timeout_s
    while True:
        runs = runs_for(dates)
        if progress:
            progress(runs)
        if len(runs) == len(dates) and all(r.state in FINISHED for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"backfill {start}..{end} not finished after {timeout_s:.0f} s; "
                "it goes on in Airflow (`vendor-recon status`)"
            )
        time.sleep(poll_s)


def runs_for(dates: list[datetime]) -> list[RunStatus]:
    """The latest run of each logical date, as far as they exist."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(DagRun)
            .where(DagRun.dag_id == DAG_ID, DagRun.logical_date.in_(dates))
            .order_by(DagRun.logical_date, DagRun.id)
        ).all()
        latest = {row.logical_date: row for row in rows}
        return [_status(run, session) for run in latest.values()]


def recent_runs(limit: int = 10) -> list[RunStatus]:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(DagRun)
            .where(DagRun.dag_id == DAG_ID)
            .order_by(DagRun.id.desc())
            .limit(limit)
        ).all()
        return [_status(run, session) for run in rows]


def _status(run, session) -> RunStatus:
    instances = run.get_task_instances(session=session)
    failed = tuple(
        sorted(
            ti.task_id
            for ti in instances
            if str(ti.state) in ("failed", "upstream_failed")
        )
    )
    # From the tasks' own times: a dag.test() run starts "at" its logical date.
    starts = [ti.start_date for ti in instances if ti.start_date]
    ends = [ti.end_date for ti in instances if ti.end_date]
    return RunStatus(
        run_id=run.run_id,
        logical_date=run.logical_date,
        state=str(run.state),
        start_date=min(starts) if starts else run.start_date,
        end_date=max(ends) if ends and run.end_date else run.end_date,
        failed_tasks=failed,
    )


def _require_scheduler() -> None:
    try:
        _airflow("jobs", "check", "--job-type", "SchedulerJob", "--allow-multiple")
    except RuntimeError as exc:
        raise RuntimeError(
            "no running Airflow scheduler found for this metadata database; "
            "start the deployment first (`docker compose up -d`, or `airflow "
            "scheduler`, `airflow dag-processor` and `airflow api-server`)"
        ) from exc


def _airflow(*args: str) -> str:
    airflow = Path(sys.executable).parent / "airflow"
    result = subprocess.run(  # noqa: S603 (this interpreter's own airflow)
        [str(airflow), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(
            f"airflow {' '.join(args[:2])} failed: {lines[-1] if lines else ''}"
        )
    return result.stdout
