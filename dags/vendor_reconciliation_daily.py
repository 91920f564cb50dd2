"""Daily PO-to-payment reconciliation for every configured Vendor Central account."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

DOC = """
### vendor_reconciliation_daily

For each vendor account in the accounts file (one mapped task per account),
read the purchase orders created or changed in the data interval and the PO
statuses updated in it, plus a rolling lookback, from the Selling Partner API.
Pages land as Parquet snapshots; one task loads them into the DuckDB raw
tables; dbt builds the reconciliation marts; Great Expectations checks them.
A failed critical expectation fails the run.
"""


@dag(
    dag_id="vendor_reconciliation_daily",
    doc_md=DOC,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["vendor-central", "reconciliation", "sp-api"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
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

    @task
    def load(extractions: list[dict]) -> dict:
        from vendor_recon import tasks

        return tasks.load_raw(extractions)

    @task
    def build_marts() -> dict:
        from vendor_recon import tasks

        return tasks.build_marts()

    @task(retries=0)
    def check_marts() -> dict:
        from vendor_recon import tasks

        return tasks.check_marts(get_current_context()["run_id"])

    loaded = load(extract.expand(account_id=list_accounts()))
    marts = build_marts()
    loaded >> marts >> check_marts()


vendor_reconciliation_daily()
