"""`make demo`: two weeks of a simulated vendor business through the daily DAG.

Starts the simulator on 127.0.0.1 over a world with `days` of history, defines
one Airflow connection per simulated account, and runs
`vendor_reconciliation_daily` through Airflow's dag.test() for the last `runs`
logical days, moving the simulator's clock to each interval's end. The rolling
lookback is widened to the whole history, so the first run reads the earlier
days the way a first deployment's backfill would; the later runs are ordinary
daily runs. Then it prints what the marts hold per account, the exceptions, and
each account's alert digest.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAG_ID = "vendor_reconciliation_daily"
log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    days: int
    runs: int
    states: list[str]
    summary: list[dict]
    exceptions: list[dict]
    digests: dict[str, str]
    warehouse_path: Path
    docs_index: Path
    task_log: Path | None


def simulator_connection(server_url: str, world_account) -> dict:
    """The Airflow connection of one simulated account, aimed at the simulator."""
    return {
        "conn_type": "generic",
        "login": world_account.lwa_client_id,
        "password": world_account.lwa_client_secret,
        "extra": {
            "refresh_token": world_account.refresh_token,
            "endpoint": server_url,
            "lwa_token_url": f"{server_url}/auth/o2/token",
        },
    }


def run_demo(
    *,
    home: Path,
    days: int = 14,
    runs: int = 3,
    seed: int = 42,
    orders_per_day: int = 3,
    today: datetime | None = None,
    progress=None,
    verbose: bool = False,
) -> DemoResult:
    """Run the DAG for the last `runs` of `days` logical days ending today (UTC)."""
    from vendor_recon import local_airflow

    if not 1 <= runs <= days:
        raise ValueError(f"--runs must be between 1 and --days ({days}), not {runs}")

    airflow_home = Path(os.environ.get("AIRFLOW_HOME") or home / ".airflow")
    local_airflow.prepare_environment(airflow_home, home / "dags", quiet=True)

    from vendor_recon.settings import Settings
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world

    today = (today or datetime.now(UTC)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first_day = today - timedelta(days=days)
    # The simulated vendor's ERP drops its files here; one folder per world,
    # so that a demo on another day never mixes two worlds' documents.
    os.environ.setdefault(
        "VENDOR_RECON_INBOX",
        str(home / "inbox" / f"simulated-seed{seed}-{first_day:%Y%m%d}"),
    )
    # Each run re-reads this many days before its interval: from the first run
    # on, the whole history is read (a first deployment's backfill). One run of
    # the DAG is about a minute here (one Airflow task per dbt model), so
    # running every day of the history would take a quarter of an hour.
    os.environ.setdefault("VENDOR_RECON_LOOKBACK_DAYS", str(days - runs + 1))
    settings = Settings.from_env()
    world = generate_world(
        seed,
        first_day,
        today,
        accounts=default_accounts(),
        orders_per_day=orders_per_day,
    )
    # Airflow, cosmos and dbt write a few hundred lines a run; unless asked to
    # show them they go to a file, and the terminal gets one line a run.
    task_log = None if verbose else airflow_home / "logs" / "demo.log"
    with _output_to(task_log) if task_log else nullcontext():
        local_airflow.migrate_db()
        dag = local_airflow.load_dag(home / "dags", DAG_ID)

    states = []
    with SimulatorServer(world) as server:
        for account in world.accounts:
            local_airflow.set_connection(
                _connection_id(settings, account.account_id),
                simulator_connection(server.url, account),
            )
        for offset in range(days - runs, days):
            interval_end = first_day + timedelta(days=offset + 1)
            server.set_clock(interval_end)
            world.write_inbox(Path(settings.inbox), interval_end)
            # A data-interval timetable gives a manual run at T the interval
            # that ends at T.
            with _output_to(task_log) if task_log else nullcontext():
                state = local_airflow.run_dag(dag, interval_end)
            states.append(state)
            if progress:
                done = offset - (days - runs) + 1
                progress(done, runs, interval_end, state)
            if state != "success":
                break

    # The digests the last run's success callback wrote are for its logical
    # date (its interval's end, `run_day`): print those, not the day before.
    last_day = today.date()
    return DemoResult(
        days=days,
        runs=runs,
        states=states,
        summary=account_summary(settings.warehouse_path),
        exceptions=exception_summary(settings.warehouse_path),
        digests=account_digests(settings.warehouse_path, world.accounts, last_day),
        warehouse_path=settings.warehouse_path,
        docs_index=settings.docs_dir / "index.html",
        task_log=task_log,
    )


@contextmanager
def _output_to(log_file: Path) -> Iterator[None]:
    """Send everything written to stdout and stderr, by any library, to a file.

    At the file-descriptor level, because Airflow's task runner and dbt write to
    the process's streams directly, not through Python's logging.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with log_file.open("ab") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])


def _connection_id(settings, account_id: str) -> str:
    from vendor_recon.config import load_accounts

    for account in load_accounts(settings.accounts_file):
        if account.account_id == account_id:
            return account.connection_id
    raise LookupError(
        f"{settings.accounts_file}: simulated account {account_id!r} is not configured"
    )


def account_summary(warehouse_path: Path) -> list[dict]:
    """POs, lines and units per account, straight from the mart."""
    import duckdb

    # Not read-only: in-process dbt may still hold the file open read-write.
    connection = duckdb.connect(str(warehouse_path))
    try:
        rows = connection.execute(
            """
            select
                account_id,
                count(distinct purchase_order_number) as purchase_orders,
                count(*) as po_lines,
                sum(ordered_units) as ordered_units,
                sum(accepted_units) as accepted_units,
                sum(received_units) as received_units
            from marts.fct_po_line_reconciliation
            group by account_id
            order by account_id
            """
        ).fetchall()
        columns = [d[0] for d in connection.description]
    finally:
        connection.close()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def exception_summary(warehouse_path: Path) -> list[dict]:
    """Open exceptions per type and currency, with the money at stake."""
    import duckdb

    connection = duckdb.connect(str(warehouse_path))
    try:
        cursor = connection.execute(
            """
            select
                exception_type,
                currency_code,
                count(*) as exceptions,
                sum(amount_at_stake) as amount_at_stake
            from marts.fct_reconciliation_exceptions
            group by exception_type, currency_code
            order by exception_type, currency_code
            """
        )
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        connection.close()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def account_digests(warehouse_path: Path, accounts, day) -> dict[str, str]:
    """Each account's alert digest for `day`, as the success callback sends it."""
    from vendor_recon.alerts.digest import build_digest

    return {
        account.account_id: build_digest(warehouse_path, account.account_id, day)
        for account in accounts
    }
