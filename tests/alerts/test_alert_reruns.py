"""Builds of the alerts model out of date order, with a delivery after each.

The exceptions mart stays fixed; what changes from day to day is which
dispute deadlines are within `dispute_deadline_alert_days` (7) of the build's
as-of, so which day raises which alert follows from the deadlines alone.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from monitoring_harness import add_marts, day, dbt_run, make_warehouse, query

from vendor_recon.alerts import deliver_pending
from vendor_recon.quality.report import ExpectationOutcome
from vendor_recon.quality.warehouse import write_outcomes

# The backfilled day D; the builds run as of D + 2, then D, D + 1, D + 2.
D = day(10)
NEAR_DAYS = 7


def deduction(invoice_number: str, deadline_offset: int) -> dict:
    """A deduction whose dispute deadline is ``deadline_offset`` days after D."""
    return {
        "exception_id": f"x-{invoice_number}",
        "exception_type": "deduction",
        "account_id": "acme-na",
        "vendor_code": "V1",
        "invoice_number": invoice_number,
        "payment_number": "P1",
        "deduction_type": "shortage_claim",
        "exception_detail_key": f"P1/{invoice_number}",
        "currency_code": "USD",
        "amount_at_stake": Decimal("40.00"),
        "dispute_deadline_date": (D + timedelta(days=deadline_offset)).date(),
        "status": "open",
    }


# Raised as of every day: a missing ASN has no deadline window.
LATE_ASN = {
    "exception_id": "x-asn",
    "exception_type": "late_or_missing_asn",
    "account_id": "acme-na",
    "vendor_code": "V1",
    "purchase_order_number": "PO1",
    "item_sequence_number": "1",
    "currency_code": "USD",
    "amount_at_stake": Decimal("25.00"),
    "status": "open",
}
# Each deadline is near as of the days from deadline - 7 to the deadline.
DEADLINES = {"INVD": 0, "INVD1": NEAR_DAYS + 1, "INVD2": NEAR_DAYS + 2}


def raised_on(offset: int) -> set[str]:
    """The subjects a build as of D + ``offset`` raises, from the deadlines."""
    near = {
        f"invoice {invoice} payment P1"
        for invoice, deadline in DEADLINES.items()
        if 0 <= deadline - offset <= NEAR_DAYS
    }
    return near | {"PO PO1 line 1"}


class Messages:
    """What the file channel was handed: (subject, status) per delivery."""

    def __init__(self) -> None:
        self.deliveries: list[list[tuple[str, str]]] = []

    def __call__(self, alerts) -> None:
        self.deliveries.append(sorted((a.subject, a.status) for a in alerts))

    def deliver(self, warehouse) -> None:
        before = len(self.deliveries)
        deliver_pending(warehouse, "file", self)
        if len(self.deliveries) == before:
            self.deliveries.append([])


def build_and_deliver(warehouse, tmp_path, messages, offset: int) -> None:
    dbt_run(warehouse, tmp_path, as_of=D + timedelta(days=offset))
    messages.deliver(warehouse)


def alerts_by_subject(warehouse) -> dict[str, dict]:
    rows = query(warehouse, "select * from monitoring.alerts")
    return {row["subject"]: row for row in rows}


def test_a_backfill_does_not_resolve_alerts_from_its_future(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    add_marts(
        warehouse,
        exceptions=[LATE_ASN, *(deduction(i, d) for i, d in DEADLINES.items())],
    )
    latest = raised_on(2)
    assert raised_on(0) - latest and latest - raised_on(0), "a day-specific alert"
    messages = Messages()

    for offset in (2, 0, 1, 2):
        build_and_deliver(warehouse, tmp_path, messages, offset)

    # The latest build's alerts, once; the older builds tell the channel
    # nothing: D's own alert was over by the latest build, which knew.
    assert messages.deliveries == [sorted((s, "open") for s in latest), [], [], []]
    rows = alerts_by_subject(warehouse)
    assert {s for s, row in rows.items() if row["status"] == "open"} == latest
    for subject, row in rows.items():
        first = min(o for o in (0, 1, 2) if subject in raised_on(o))
        last = max(o for o in (0, 1, 2) if subject in raised_on(o))
        assert (row["first_seen_at"], row["last_seen_at"]) == (
            D + timedelta(days=first),
            D + timedelta(days=last),
        ), subject
    [past] = raised_on(0) - latest
    assert (rows[past]["status"], rows[past]["resolved_at"]) == (
        "resolved",
        D + timedelta(days=2),
    )


def check_run(warehouse, run_id: str, validated_at, *, failing: bool) -> None:
    outcome = ExpectationOutcome(
        suite_name="fct_po_line_reconciliation",
        table_name="marts.fct_po_line_reconciliation",
        expectation_type="expect_column_values_to_not_be_null",
        column_names=("account_id",),
        kwargs={"column": "account_id"},
        severity="critical",
        success=not failing,
        unexpected_count=1 if failing else 0,
        element_count=4,
    )
    write_outcomes(warehouse, run_id, "marts", [outcome], validated_at)


def test_an_alert_open_again_after_a_resolve_is_sent_again(tmp_path):
    # A check fails, passes, then fails again the same way: the same content.
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    add_marts(warehouse, exceptions=[])
    messages = Messages()
    hashes = []

    for offset, failing in ((0, True), (1, False), (2, True)):
        validated_at = D + timedelta(days=offset)
        check_run(warehouse, f"run-{offset}", validated_at, failing=failing)
        build_and_deliver(warehouse, tmp_path, messages, offset)
        [row] = query(warehouse, "select content_hash from monitoring.alerts")
        hashes.append(row["content_hash"])

    subject = "fct_po_line_reconciliation [account_id]"
    assert hashes[0] == hashes[2] != hashes[1]
    assert messages.deliveries == [
        [(subject, "open")],
        [(subject, "resolved")],
        [(subject, "open")],
    ]
