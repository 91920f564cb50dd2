"""The daily DAG run by a real scheduler: api-server, scheduler, dag-processor.

No dag.test(): the components run as subprocesses on a temporary AIRFLOW_HOME
(SQLite metadata DB, LocalExecutor), the simulator serves the accounts on
127.0.0.1, connections come from AIRFLOW_CONN_* variables, and the run is
triggered with `airflow dags trigger` for one logical date.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from airflow_processes import airflow_env, deployment, free_port, run_cli

from vendor_recon.demo import simulator_connection

pytestmark = pytest.mark.scheduler

DAG_ID = "vendor_reconciliation_daily"
# A triggered run's data interval is the one that ends before "now" (Airflow
# infers it from run_after, not from --logical-date): the world is yesterday.
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
FIRST_DAY = TODAY - timedelta(days=1)
LOGICAL_DATE = TODAY
BOUND_S = 10 * 60  # about 4 min on 2 idle cores; room for a slow CI machine
CONNECTIONS = {
    "acme-na": "spapi_acme_na",
    "acme-eu": "spapi_acme_eu",
    "acme-fe": "spapi_acme_fe",
}


@pytest.fixture(scope="module")
def scheduled_run(tmp_path_factory, repo):
    from vendor_recon.dbt_tasks import (
        WAREHOUSE_POOL,
        WAREHOUSE_POOL_DESCRIPTION,
        WAREHOUSE_POOL_SLOTS,
        write_manifest,
    )
    from vendor_recon.settings import Settings
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world

    root = tmp_path_factory.mktemp("scheduler")
    home = root / "airflow"
    home.mkdir()
    api_port = free_port()
    env = airflow_env(home, repo / "dags", api_port)
    env.update(
        {
            "VENDOR_RECON_HOME": str(repo),
            "VENDOR_RECON_WAREHOUSE": str(root / "warehouse" / "recon.duckdb"),
            "VENDOR_RECON_SNAPSHOTS": str(root / "snapshots"),
            "VENDOR_RECON_DOCS": str(root / "warehouse" / "data_docs"),
            "VENDOR_RECON_INBOX": str(root / "inbox"),
            "VENDOR_RECON_LOOKBACK_DAYS": "1",
            "VENDOR_RECON_DBT_MANIFEST": str(root / "dbt_target" / "manifest.json"),
        }
    )
    patch = pytest.MonkeyPatch()
    for name in ("VENDOR_RECON_WAREHOUSE", "VENDOR_RECON_DBT_MANIFEST"):
        patch.setenv(name, env[name])
    write_manifest(Settings.from_env())
    patch.undo()

    run_cli(env, "db", "migrate")
    run_cli(
        env,
        "pools",
        "set",
        WAREHOUSE_POOL,
        str(WAREHOUSE_POOL_SLOTS),
        WAREHOUSE_POOL_DESCRIPTION,
    )

    world = generate_world(
        7, FIRST_DAY, LOGICAL_DATE, accounts=default_accounts(), orders_per_day=2
    )
    with SimulatorServer(world, clock=LOGICAL_DATE) as server:
        for account in world.accounts:
            connection_id = CONNECTIONS[account.account_id]
            env[f"AIRFLOW_CONN_{connection_id.upper()}"] = json.dumps(
                simulator_connection(server.url, account)
            )
        started = time.monotonic()
        with deployment(env, home, api_port) as airflow:
            _wait_for(airflow, "the DAG to be parsed", _dag_serialised, 120)
            run_cli(
                env,
                "dags",
                "trigger",
                DAG_ID,
                "--logical-date",
                LOGICAL_DATE.isoformat(),
                "--run-id",
                "scheduler_test",
            )
            state = _wait_for(airflow, "the run to finish", _run_finished, BOUND_S)
            tasks = airflow.query(
                "select task_id, map_index, state, try_number from task_instance "
                "where run_id = 'scheduler_test' order by task_id, map_index"
            )
            logs = {name: airflow.log_tail(name) for name in airflow.processes}
        yield {
            "state": state,
            "tasks": tasks,
            "logs": logs,
            "seconds": time.monotonic() - started,
            "world": world,
            "warehouse": root / "warehouse" / "recon.duckdb",
        }


def _dag_serialised(airflow) -> str | None:
    rows = airflow.query(
        "select count(*) from serialized_dag where dag_id = ?", (DAG_ID,)
    )
    return "parsed" if rows and rows[0][0] else None


def _run_finished(airflow) -> str | None:
    rows = airflow.query("select state from dag_run where run_id = 'scheduler_test'")
    if rows and rows[0][0] in ("success", "failed"):
        return rows[0][0]
    return None


def _wait_for(airflow, what: str, probe, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        airflow.assert_running()
        try:
            found = probe(airflow)
        except Exception:
            found = None
        if found:
            return found
        time.sleep(2)
    tails = "\n".join(
        f"--- {name}\n{airflow.log_tail(name, 1500)}" for name in airflow.processes
    )
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}\n{tails}")


def test_the_scheduled_run_succeeds(scheduled_run):
    failed = [task for task in scheduled_run["tasks"] if task[2] != "success"]
    assert scheduled_run["state"] == "success", (failed, scheduled_run["logs"])
    assert failed == []


def test_every_model_ran_as_its_own_task_in_the_run(scheduled_run):
    task_ids = {task[0] for task in scheduled_run["tasks"]}
    assert {"list_accounts", "extract", "load", "check_marts"} <= task_ids
    model_tasks = {t for t in task_ids if t.startswith("build_marts.")}
    assert "build_marts.fct_po_line_reconciliation_model_build" in model_tasks
    extracts = [task for task in scheduled_run["tasks"] if task[0] == "extract"]
    assert len(extracts) == len(CONNECTIONS)


def test_the_marts_hold_every_account_as_the_simulator_knows_it(scheduled_run):
    world = scheduled_run["world"]
    expected = {
        (row["account_id"], row["purchase_order_number"], row["item_sequence_number"])
        for row in world.ground_truth_po_lines(LOGICAL_DATE)
    }
    with duckdb.connect(str(scheduled_run["warehouse"]), read_only=True) as con:
        actual = set(
            con.execute(
                "select account_id, purchase_order_number, item_sequence_number "
                "from marts.fct_po_line_reconciliation"
            ).fetchall()
        )
        raw = con.execute(
            "select (select count(*) from raw.purchase_orders), "
            "(select count(*) from raw.load_log)"
        ).fetchone()
    assert expected, "the world has no purchase order lines"
    assert actual == expected, f"raw purchase orders and loaded files: {raw}"
