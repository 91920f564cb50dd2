"""The vendor's documents and Amazon's money in a world: every case, seeded, clocked."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from vendor_recon.simulator.matching import counted_invoices
from vendor_recon.simulator.vendor_documents import CREDIT_NOTE, REPLACE
from vendor_recon.simulator.world import World, generate_world

START = datetime(2025, 3, 3, tzinfo=UTC)
DAYS = 14
SEEDS = (0, 1, 42)
EXCEPTION_TYPES = {
    "shortage",
    "over_receipt",
    "price_variance",
    "duplicate_invoice_number",
    "invoice_unmatched_po",
    "invoiced_cancelled_units",
    "asn_receipt_mismatch",
    "late_or_missing_asn",
    "unacknowledged_po",
    "unpaid_past_due",
    "invoice_rejected",
    "deduction",
}
DEDUCTION_TYPES = {
    "invoice_payment",
    "shortage_claim",
    "shortage_claim_reversal",
    "price_claim",
    "chargeback",
    "coop",
    "provision",
    "provision_reversal",
}


def fortnight(seed: int) -> World:
    return generate_world(seed, START, START + timedelta(days=DAYS))


def late(world: World) -> datetime:
    """Long after the world: every payment and deduction has happened."""
    return world.end + timedelta(days=150)


def document_cases(world: World) -> set[str]:
    found = set()
    pos = {
        (po.account_id, po.purchase_order_number): po for po in world.purchase_orders
    }
    for shipment in world.shipments:
        po = pos[(shipment.account_id, shipment.shipment_identifier.split("-")[1])]
        first = shipment.versions[0]
        found.add(
            "asn_late" if first.confirmed_at > po.ship_window[1] else "asn_on_time"
        )
        if any(v.confirmation_type == REPLACE for v in shipment.versions):
            found.add("asn_replace")
        for item in first.items:
            found.add(f"asn_in_{item.quantity.unit_of_measure.lower()}")
    shipped = {s.shipment_identifier.split("-")[1] for s in world.shipments}
    if any(
        po.purchase_order_number not in shipped
        and any(line.receipts for line in po.lines)
        for po in world.purchase_orders
    ):
        found.add("asn_missing")
    if any(
        po.state(late(world)) == "Closed"
        and any(
            0 < line.received_eaches(late(world)) < line.expected_eaches(late(world))
            for line in po.lines
        )
        for po in world.purchase_orders
    ):
        found.add("short_po_closed")
    counted = counted_invoices(world.invoices)
    by_number = Counter((i.account_id, i.invoice_number) for i in counted)
    if any(n > 1 for n in by_number.values()):
        found.add("same_number_two_vendor_codes")
    if any(i.invoice_type == CREDIT_NOTE for i in world.invoices):
        found.add("credit_note")
    for invoice in world.invoices:
        for line in invoice.lines:
            po = pos.get((invoice.account_id, line.purchase_order_number))
            costs = {li.asin: li.net_cost for li in po.lines} if po else {}
            if line.asin in costs and costs[line.asin] != line.net_cost:
                found.add("price_variance_invoice")
    return found


DOCUMENT_CASES = {
    "asn_on_time",
    "asn_late",
    "asn_missing",
    "asn_replace",
    "asn_in_cases",
    "asn_in_eaches",
    "short_po_closed",
    "same_number_two_vendor_codes",
    "credit_note",
    "price_variance_invoice",
}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_injected_case_appears(seed):
    world = fortnight(seed)
    assert document_cases(world) == DOCUMENT_CASES

    exceptions = {
        e["exception_type"] for e in world.ground_truth_exceptions(late(world))
    }
    assert exceptions == EXCEPTION_TYPES
    remittance = world.ground_truth_remittance_lines(late(world))
    assert {r["deduction_type"] for r in remittance} == DEDUCTION_TYPES
    assert any(r["discount_taken"] > 0 for r in remittance), "no quick-pay discount"

    statuses = {
        invoice.header["invoiceStatus"]
        for account in world.accounts
        for invoice in world.finance_invoices_as_of(account.account_id, late(world))
    }
    assert statuses == {"REJECTED", "PARTIALLY_PAID", "PAID", "DEDUCTED"}
    early = {
        invoice.header["invoiceStatus"]
        for account in world.accounts
        for invoice in world.finance_invoices_as_of(account.account_id, world.end)
    }
    assert "IN_PROGRESS" in early

    rows = world.ground_truth_po_lines(late(world))
    assert any(r["overage_units"] > 0 for r in rows)
    assert any(r["shortage_units"] > 0 for r in rows)
    assert any(r["deducted_amount"] > 0 for r in rows)
    assert {r["reconciliation_status"] for r in rows} >= {
        "matched",
        "exception",
        "cancelled",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_both_remittance_formats_for_every_account_within_the_fortnight(seed):
    world = fortnight(seed)
    formats = {
        (p.account_id, p.file_format)
        for p in world.settlement.payments
        if p.paid_at <= world.end
    }
    assert formats == {
        (account.account_id, kind)
        for account in world.accounts
        for kind in ("csv", "x12_820")
    }


def test_same_seed_same_documents_other_seed_other_documents():
    first = fortnight(42)
    again = fortnight(42)
    assert again.to_json() == first.to_json()
    as_of = late(first)
    assert again.ground_truth_po_lines(as_of) == first.ground_truth_po_lines(as_of)
    assert again.ground_truth_exceptions(as_of) == first.ground_truth_exceptions(as_of)
    assert fortnight(43).to_json() != first.to_json()


def test_money_is_exact_and_yen_has_no_decimals():
    world = fortnight(42)
    for row in world.ground_truth_remittance_lines(late(world)):
        for column in ("invoice_amount", "amount_paid", "discount_taken"):
            value = row[column]
            assert isinstance(value, Decimal)
            if row["currency_code"] == "JPY":
                assert value == value.to_integral_value()
            else:
                assert value == value.quantize(Decimal("0.01"))
        assert row["amount_remaining"] == (
            row["invoice_amount"] - row["amount_paid"] - row["discount_taken"]
        )
    for row in world.ground_truth_po_lines(late(world)):
        for column in ("invoiced_amount", "paid_amount", "deducted_amount"):
            assert isinstance(row[column], Decimal)


def test_payments_follow_terms_and_receipts():
    world = fortnight(42)
    for invoice in world.settlement.amazon_invoices:
        if invoice.paid_at is None or invoice.invoice.invoice_type == CREDIT_NOTE:
            continue
        terms = invoice.invoice.terms
        issued = invoice.invoice.issued_at.date()
        if invoice.discount:
            assert terms is not None and terms.discount_due_days is not None
            assert invoice.paid_at.date() <= issued + timedelta(
                days=terms.discount_due_days
            )
        else:
            assert invoice.paid_at.date() >= invoice.due_date
            net = terms.net_due_days if terms else 60
            assert invoice.due_date == issued + timedelta(days=net)
        received = [r.at for m in invoice.matches if m.line for r in m.line.receipts]
        assert received and min(received) <= invoice.paid_at


def test_the_clock_hides_future_documents():
    world = fortnight(42)
    shipment = next(s for s in world.shipments if len(s.versions) == 2)
    original, replacement = shipment.versions
    po_number = shipment.shipment_identifier.split("-")[1]
    item = next(
        (o, r)
        for o, r in zip(original.items, replacement.items, strict=True)
        if o.quantity.eaches != r.quantity.eaches
    )

    def shipped(as_of: datetime) -> int:
        row = next(
            r
            for r in world.ground_truth_po_lines(as_of)
            if r["purchase_order_number"] == po_number
            and r["vendor_sku"] == item[0].vendor_sku
        )
        return row["shipped_units"]

    second = timedelta(seconds=1)
    assert shipped(original.confirmed_at - second) == 0
    assert shipped(original.confirmed_at) == item[0].quantity.eaches
    assert shipped(replacement.confirmed_at) == item[1].quantity.eaches

    payment = world.settlement.payments[0]
    numbers = {
        r["payment_number"]
        for r in world.ground_truth_remittance_lines(payment.paid_at - second)
    }
    assert payment.payment_number not in numbers
    numbers = {
        r["payment_number"]
        for r in world.ground_truth_remittance_lines(payment.paid_at)
    }
    assert payment.payment_number in numbers

    paid = next(
        a
        for a in world.settlement.amazon_invoices
        if a.paid_at is not None and a.invoice.invoice_type != CREDIT_NOTE
    )

    def status(as_of: datetime) -> str | None:
        for invoice in world.finance_invoices_as_of(paid.invoice.account_id, as_of):
            if invoice.header["invoiceNumber"] == paid.invoice.invoice_number:
                return invoice.header["invoiceStatus"]
        return None

    assert status(paid.created_at - second) is None
    assert status(paid.paid_at - second) == "IN_PROGRESS"
    assert status(paid.paid_at) in ("PAID", "PARTIALLY_PAID")


@pytest.mark.parametrize("seed", SEEDS)
def test_exception_keys_are_unique(seed):
    # The mart's exception_id hashes type and keys: two equal rows would collide.
    world = fortnight(seed)
    for as_of in (world.end, late(world)):
        exceptions = world.ground_truth_exceptions(as_of)
        keys = [tuple(e[k] for k in list(e)[:6]) for e in exceptions]
        assert len(keys) == len(set(keys))
        for exception in exceptions:
            assert exception["amount_at_stake"] >= 0
