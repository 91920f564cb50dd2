"""The callbacks wired into a real DAG, run by Airflow's dag.test()."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime

import pytest

from vendor_recon.warehouse import connect

DAG_FILE = textwrap.dedent(
    '''
    """Two one-task DAGs with the vendor-recon callbacks, one of them failing."""
    from datetime import datetime

    from airflow.sdk import dag, task

    from vendor_recon.alerts.callbacks import on_dag_failure, on_dag_success


    def make(dag_id, fail):
        @dag(
            dag_id=dag_id,
            schedule=None,
            start_date=datetime(2026, 1, 1),
            catchup=False,
            on_success_callback=on_dag_success,
            on_failure_callback=on_dag_failure,
        )
        def callbacks_dag():
            @task(retries=0)
            def work():
                if fail:
                    raise RuntimeError("work failed")

            work()

        return callbacks_dag()


    succeeding = make("callbacks_ok", False)
    failing = make("callbacks_failing", True)
    '''
)


@pytest.fixture
def dagbag(tmp_path, monkeypatch):
    from vendor_recon import local_airflow

    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "callbacks_dag.py").write_text(DAG_FILE)
    # dag.test() syncs the DAGs of the dags-folder bundle, whose path Airflow
    # read when first imported (maybe by an earlier test).
    import airflow.settings

    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(folder))
    monkeypatch.setattr(airflow.settings, "DAGS_FOLDER", str(folder))
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as connection:
        connection.execute(
            "insert into raw.vendor_accounts values "
            "('acme-na', 'NA', '[]', '[]', 'USD', 'USD', 'c', ?)",
            [datetime(2026, 11, 5, tzinfo=UTC)],
        )
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("VENDOR_RECON_ALERTS_DIR", str(tmp_path / "alerts"))
    monkeypatch.setenv("VENDOR_RECON_ALERT_CHANNELS", "file")
    local_airflow.migrate_db()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(folder))
    assert bag.import_errors == {}
    return bag


def test_a_failed_run_alerts_and_a_good_run_writes_digests(dagbag, tmp_path):
    logical_date = datetime(2026, 11, 5, tzinfo=UTC)

    failed = dagbag.dags["callbacks_failing"].test(logical_date=logical_date)
    succeeded = dagbag.dags["callbacks_ok"].test(logical_date=logical_date)

    assert (str(failed.state), str(succeeded.state)) == ("failed", "success")
    [path] = (tmp_path / "alerts").glob("alerts-*.jsonl")
    [record] = [json.loads(line) for line in path.read_text().splitlines()]
    assert (record["kind"], record["severity"]) == ("pipeline_failure", "critical")
    assert record["subject"].startswith("DAG callbacks_failing run ")
    assert record["detail"] == "failed tasks: work"
    digest = tmp_path / "alerts" / "digests" / "2026-11-05" / "acme-na.md"
    assert digest.read_text().startswith(
        "# acme-na: vendor-recon digest for 2026-11-05"
    )
