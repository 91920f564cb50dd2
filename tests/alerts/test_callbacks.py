"""The DAG callbacks: a failed run is an alert, a finished run sends and digests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from alert_rows import alert_row

from vendor_recon.alerts import callbacks
from vendor_recon.quality.report import ExpectationOutcome
from vendor_recon.quality.warehouse import write_outcomes

RUN_ID = "scheduled__2026-11-04T00:00:00+00:00"
INTERVAL_END = datetime(2026, 11, 5, tzinfo=UTC)


class FakeDagRun:
    dag_id = "vendor_reconciliation_daily"
    run_id = RUN_ID
    data_interval_end = INTERVAL_END

    def __init__(self, state: str) -> None:
        self.state = state

    def get_task_instances(self, state=None):
        return [
            SimpleNamespace(task_id="check_marts", state="failed"),
            SimpleNamespace(task_id="build_monitoring", state="upstream_failed"),
        ]


@pytest.fixture
def env(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("VENDOR_RECON_ALERTS_DIR", str(tmp_path / "alerts"))
    monkeypatch.setenv("VENDOR_RECON_ALERT_CHANNELS", "smtp, file")
    return tmp_path / "alerts"


def delivered(folder):
    return [
        json.loads(line)
        for path in sorted(folder.glob("alerts-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_failed_run_is_one_alert_naming_tasks_and_checks(warehouse, set_alerts, env):
    set_alerts([alert_row("a1")])
    write_outcomes(
        warehouse,
        RUN_ID,
        "marts",
        [
            ExpectationOutcome(
                suite_name="fct_po_line_reconciliation",
                table_name="marts.fct_po_line_reconciliation",
                expectation_type="expect_compound_columns_to_be_unique",
                column_names=("account_id", "purchase_order_number"),
                kwargs={},
                severity="critical",
                success=False,
            )
        ],
        INTERVAL_END,
    )
    context = {"dag_run": FakeDagRun("failed"), "reason": "task_failure"}

    # No SMTP connection is defined: that channel fails, the file one still runs.
    callbacks.on_dag_failure(context)
    callbacks.on_dag_failure(context)

    records = delivered(env)
    assert [(r["kind"], r["severity"]) for r in records] == [
        ("pipeline_failure", "critical"),
        ("payment_overdue", "critical"),
    ]
    assert records[0]["subject"] == f"DAG vendor_reconciliation_daily run {RUN_ID}"
    assert records[0]["detail"] == (
        "failed tasks: check_marts; 1 critical check(s) failed: "
        "fct_po_line_reconciliation [account_id, purchase_order_number]: "
        "expect_compound_columns_to_be_unique"
    )


def test_successful_run_sends_alerts_and_writes_a_digest_per_account(set_alerts, env):
    set_alerts([alert_row("a1")])

    callbacks.on_dag_success({"dag_run": FakeDagRun("success")})

    assert [r["kind"] for r in delivered(env)] == ["payment_overdue"]
    digests = sorted((env / "digests" / "2026-11-05").glob("*.md"))
    assert [path.name for path in digests] == ["acme-fe.md", "acme-na.md"]
    assert (
        digests[1]
        .read_text()
        .startswith(
            "# acme-na: vendor-recon digest for 2026-11-05\n\n## New alerts (1)\n"
        )
    )


def test_failed_run_alert_says_the_previous_marts_were_kept(warehouse, env):
    from vendor_recon.quality import published_marts

    published_marts.backup_marts(warehouse, RUN_ID)
    published_marts.restore_marts(warehouse, RUN_ID)
    context = {"dag_run": FakeDagRun("failed"), "reason": "task_failure"}

    callbacks.on_dag_failure(context)

    (record,) = [r for r in delivered(env) if r["kind"] == "pipeline_failure"]
    assert record["detail"] == (
        "failed tasks: check_marts; marts of the previous good run kept"
    )
