"""Daily PO-to-payment reconciliation for every configured Vendor Central account."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

# Standard library only: delivers alerts and digests when a run ends.
from vendor_recon.alerts.callbacks import on_dag_failure, on_dag_success

# The one import with work behind it: cosmos must draw the dbt models as tasks
# while the file is parsed. It reads the manifest of `dbt parse` (no dbt, no
# connection) and imports only cosmos, in about 0.2 s.
from vendor_recon.dbt_tasks import (
    WAREHOUSE_POOL,
    marts_task_group,
    staging_task_group,
)

DOC = """
### vendor_reconciliation_daily

For each vendor account in the accounts file (one mapped task per account),
read the purchase orders created or changed in the data interval and the PO
statuses updated in it, plus a rolling lookback, from the Selling Partner API,
and the vendor's new inbox files. Pages land as Parquet snapshots; one task
loads them into the raw tables.

Each layer is checked by Great Expectations before the next is built, and a
failed critical expectation fails the run where it is found:

1. `check_raw`, then `build_staging` (the staging models, one cosmos task per
   model with its dbt tests) and `check_staging`;
2. `backup_marts` copies the marts analysts read, then `build_marts` (seeds,
   snapshots, intermediate models and marts) and `check_marts`;
3. `restore_marts` runs last whatever happened: if this run's marts did not
   pass (a model, a dbt test or a critical check failed) it puts back the
   copy, so the marts of the previous good run stay; else it does nothing.

Failed warnings let the run finish; `build_monitoring` then builds the gaps,
stuck lines and alerts models, and the DAG's callbacks deliver the alerts (and
an alert for a failed run) and write the daily digests.

Every task that writes the warehouse runs in the `warehouse_writer` pool
(one slot for DuckDB, which allows a single writer).
"""

RETRIES = 2
RETRY_DELAY = timedelta(seconds=30)


@dag(
    dag_id="vendor_reconciliation_daily",
    doc_md=DOC,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["vendor-central", "reconciliation", "sp-api"],
    default_args={"retries": RETRIES, "retry_delay": RETRY_DELAY},
    on_success_callback=on_dag_success,
    on_failure_callback=on_dag_failure,
)
def vendor_reconciliation_daily():
    @task
    def list_accounts() -> list[str]:
        from vendor_recon import tasks

        return tasks.account_ids()

    @task(max_active_tis_per_dag=4)
    def extract(account_id: str) -> dict:
        from vendor_recon import tasks

        context = get_current_context()
        return tasks.extract_account(
            account_id,
            context["data_interval_start"],
            context["data_interval_end"],
            context["run_id"],
        )

    @task(max_active_tis_per_dag=4)
    def extract_inbox(account_id: str) -> dict:
        from vendor_recon import tasks

        return tasks.extract_inbox_account(account_id, get_current_context()["run_id"])

    @task(pool=WAREHOUSE_POOL)
    def load(extractions: list[dict], inbox_extractions: list[dict]) -> dict:
        from vendor_recon import tasks

        return tasks.load_raw([*extractions, *inbox_extractions])

    # Quality checks fail fast: a failed critical expectation fails the same way
    # on every try. They write quality.gx_results, so they are writers too.
    @task(retries=0, pool=WAREHOUSE_POOL)
    def check_raw() -> dict:
        from vendor_recon import tasks

        return tasks.check_layer("raw", get_current_context()["run_id"])

    @task(retries=0, pool=WAREHOUSE_POOL)
    def check_staging() -> dict:
        from vendor_recon import tasks

        return tasks.check_layer("staging", get_current_context()["run_id"])

    @task(pool=WAREHOUSE_POOL)
    def backup_marts() -> dict:
        from vendor_recon import tasks

        return tasks.backup_marts(get_current_context()["run_id"])

    @task(retries=0, pool=WAREHOUSE_POOL)
    def check_marts() -> dict:
        from vendor_recon import tasks

        return tasks.check_marts(get_current_context()["run_id"])

    # all_done: it must run when a model or a check upstream failed; it
    # restores only a backup this run took and did not publish.
    @task(pool=WAREHOUSE_POOL, trigger_rule="all_done")
    def restore_marts() -> dict:
        from vendor_recon import tasks

        return tasks.restore_marts(get_current_context()["run_id"])

    @task(pool=WAREHOUSE_POOL)
    def build_monitoring() -> dict:
        from vendor_recon import tasks

        return tasks.build_monitoring(get_current_context()["data_interval_end"])

    accounts = list_accounts()
    loaded = load(
        extract.expand(account_id=accounts), extract_inbox.expand(account_id=accounts)
    )
    group_args = {"retries": RETRIES, "retry_delay": RETRY_DELAY}
    staging = staging_task_group("build_staging", **group_args)
    marts = marts_task_group("build_marts", **group_args)
    checked_marts = check_marts()
    # A failed check stops the chain (the run fails and the failure callback
    # raises the alert); the monitoring models see only a completed run.
    chain = loaded >> check_raw() >> staging >> check_staging() >> backup_marts()
    chain >> marts >> checked_marts >> build_monitoring()
    # After every mart task, not only the group's last ones: a last task is
    # done (upstream_failed) as soon as one of its parents fails, while
    # another parent may still be queued to write.
    [*marts.iter_tasks(), checked_marts] >> restore_marts()


vendor_reconciliation_daily()
