"""The rules doc applied to a world's documents: money per PO line, and exceptions."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.finance import remaining_of, status_of
from vendor_recon.simulator.matching import counted_invoices
from vendor_recon.simulator.remittances import deduction_type
from vendor_recon.simulator.vendor_documents import (
    CREDIT_NOTE,
    AsnVersion,
    VendorInvoice,
)

if TYPE_CHECKING:
    from vendor_recon.simulator.world import World

# The dbt vars' defaults (rules doc).
RECEIVING_CLOSED_AFTER_DAYS = 14
PRICE_TOLERANCE_PER_UNIT = Decimal("0.01")
DEFAULT_NET_DUE_DAYS = 60

MONEY_COLUMNS = (
    "shipped_units",
    "invoiced_units",
    "invoiced_amount",
    "invoiced_unit_cost",
    "shortage_units",
    "shortage_amount",
    "overage_units",
    "price_variance_amount",
    "paid_amount",
    "deducted_amount",
    "reconciliation_status",
)
EXCEPTION_KEYS = (
    "exception_type",
    "account_id",
    "purchase_order_number",
    "item_sequence_number",
    "invoice_number",
    "payment_number",
    "currency_code",
    "amount_at_stake",
)
REMITTANCE_COLUMNS = (
    "account_id",
    "payment_number",
    "payment_date",
    "invoice_number",
    "original_invoice_number",
    "deduction_type",
    "invoice_amount",
    "amount_paid",
    "discount_taken",
    "amount_remaining",
    "currency_code",
)
LineKey = tuple[str, str, str]


def _matches(line_row: dict[str, Any], asin: str | None, sku: str) -> bool:
    if asin is not None:
        return asin == line_row["asin"]
    return sku == line_row["vendor_sku"]


class Books:
    """Everything the rules read from the vendor's and Amazon's documents at a clock."""

    def __init__(self, world: World, as_of: datetime):
        self.world = world
        self.as_of = as_of
        self.asns = _latest_asns(world, as_of)
        visible = [i for i in world.invoices if i.issued_at <= as_of]
        self.counted = counted_invoices(visible)
        counted_ids = {id(i) for i in self.counted}
        self.duplicates = [i for i in visible if id(i) not in counted_ids]
        self.payments = [p for p in world.settlement.payments if p.paid_at <= as_of]
        self.amazon = [
            a
            for a in world.settlement.amazon_invoices
            if a.created_at <= as_of and id(a.invoice) in counted_ids
        ]
        self.numbers: dict[str, defaultdict[str, list[VendorInvoice]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for invoice in self.counted:
            self.numbers[invoice.account_id][invoice.invoice_number].append(invoice)

    def remittance_lines(self) -> list[dict[str, Any]]:
        rows = []
        for payment in self.payments:
            counted = set(self.numbers[payment.account_id])
            for line in payment.lines:
                kind, original = deduction_type(line.invoice_number, counted)
                rows.append(
                    {
                        "payment_number": payment.payment_number,
                        "payment_date": payment.paid_at.date(),
                        "invoice_number": line.invoice_number,
                        "original_invoice_number": original,
                        "deduction_type": kind,
                        "invoice_amount": line.invoice_amount,
                        "amount_paid": line.amount_paid,
                        "discount_taken": line.discount_taken,
                        "amount_remaining": line.amount_remaining,
                        "currency_code": payment.currency_code,
                        "account_id": payment.account_id,
                    }
                )
        return rows


def _latest_asns(world: World, as_of: datetime) -> list[tuple[str, AsnVersion]]:
    latest = []
    for shipment in world.shipments:
        versions = [v for v in shipment.versions if v.confirmed_at <= as_of]
        if versions:
            latest.append(
                (shipment.account_id, max(versions, key=lambda v: v.confirmed_at))
            )
    return latest


def add_money_columns(
    world: World, as_of: datetime, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows with the money columns, and every exception, both as of `as_of`."""
    books = Books(world, as_of)
    by_key = {_key(row): row for row in rows}
    for row in rows:
        row.update(
            shipped_units=0,
            invoiced_units=0,
            invoiced_amount=Decimal(0),
            paid_amount=Decimal(0),
            deducted_amount=Decimal(0),
        )
    for account_id, version in books.asns:
        for item in version.items:
            for row in _rows_of(by_key, account_id, item.purchase_order_number):
                if _matches(row, item.asin, item.vendor_sku):
                    row["shipped_units"] += item.quantity.eaches
    exceptions: list[dict[str, Any]] = []
    for invoice in books.counted:
        for item in invoice.lines:
            found = [
                row
                for row in _rows_of(
                    by_key, invoice.account_id, item.purchase_order_number
                )
                if _matches(row, item.asin, item.vendor_sku)
            ]
            for row in found:
                row["invoiced_units"] += invoice.sign * item.quantity.eaches
                row["invoiced_amount"] += (
                    invoice.sign * item.quantity.eaches * item.net_cost
                )
            if not found:
                exceptions.append(
                    _exception(
                        "invoice_unmatched_po",
                        invoice.account_id,
                        invoice.currency_code,
                        item.quantity.eaches * item.net_cost,
                        purchase_order_number=item.purchase_order_number,
                        invoice_number=invoice.invoice_number,
                    )
                )
    for amazon in books.amazon:
        if status_of(amazon, as_of) not in ("PAID", "PARTIALLY_PAID"):
            continue
        invoice = amazon.invoice
        for item, match in zip(invoice.lines, amazon.matches, strict=True):
            asin = match.line.asin if match.line is not None else item.asin
            for row in _rows_of(by_key, invoice.account_id, item.purchase_order_number):
                if asin == row["asin"]:
                    row["paid_amount"] += invoice.sign * match.matched_amount
    remittance = books.remittance_lines()
    _spread_deductions(books, by_key, remittance)

    for row in rows:
        _line_money(row)
    exceptions += _line_exceptions(world, books, rows)
    exceptions += _invoice_exceptions(books, remittance)
    named = {
        (e["account_id"], e["purchase_order_number"], e["item_sequence_number"])
        for e in exceptions
        if e["item_sequence_number"] is not None
    }
    for row in rows:
        row["reconciliation_status"] = _status(row, named)
    return rows, exceptions


def _key(row: dict[str, Any]) -> LineKey:
    return (
        row["account_id"],
        row["purchase_order_number"],
        row["item_sequence_number"],
    )


def _rows_of(
    by_key: dict[LineKey, dict[str, Any]], account_id: str, po_number: str
) -> list[dict[str, Any]]:
    return [
        row
        for (account, number, _), row in by_key.items()
        if account == account_id and number == po_number
    ]


def _spread_deductions(
    books: Books,
    by_key: dict[LineKey, dict[str, Any]],
    remittance: list[dict[str, Any]],
) -> None:
    for line in remittance:
        if line["deduction_type"] == "invoice_payment":
            continue
        invoices = books.numbers[line["account_id"]].get(
            line["original_invoice_number"]
        )
        # A number under two vendor codes names no single invoice: not attributed.
        if not invoices or len(invoices) != 1:
            continue
        invoice = invoices[0]
        weights: dict[LineKey, Decimal] = {}
        for item in invoice.lines:
            for row in _rows_of(by_key, invoice.account_id, item.purchase_order_number):
                if _matches(row, item.asin, item.vendor_sku):
                    key = _key(row)
                    weights[key] = weights.get(key, Decimal(0)) + (
                        item.quantity.eaches * item.net_cost
                    )
        total_weight = sum(weights.values(), Decimal(0))
        if not weights or total_weight == 0:
            continue
        amount = -line["amount_paid"]
        ordered = sorted(weights, key=lambda k: (k[1], int(k[2])))
        left = amount
        for index, key in enumerate(ordered):
            share = (
                left
                if index == len(ordered) - 1
                else quantize_money(
                    amount * weights[key] / total_weight, line["currency_code"]
                )
            )
            left -= share
            by_key[key]["deducted_amount"] += share


def _line_money(row: dict[str, Any]) -> None:
    currency = row["currency_code"]
    units = row["invoiced_units"]
    amount = quantize_money(row["invoiced_amount"], currency)
    row["invoiced_amount"] = amount
    unit_cost = quantize_money(amount / units, currency) if units else None
    row["invoiced_unit_cost"] = unit_cost
    received = row["received_units"] or 0
    accepted = row["accepted_units"] or 0
    shortage = max(units - received, 0)
    row["shortage_units"] = shortage
    row["shortage_amount"] = quantize_money(
        shortage * (unit_cost or Decimal(0)), currency
    )
    row["overage_units"] = max(received - accepted, 0)
    row["price_variance_amount"] = quantize_money(
        amount - units * row["po_unit_cost"], currency
    )
    row["paid_amount"] = quantize_money(row["paid_amount"], currency)
    row["deducted_amount"] = quantize_money(row["deducted_amount"], currency)


def expected_units(row: dict[str, Any]) -> int | None:
    """Accepted units capped at ordered units; None while unacknowledged."""
    if row["accepted_units"] is None:
        return None
    return min(row["accepted_units"], row["ordered_units"])


def _status(row: dict[str, Any], named: set[LineKey]) -> str:
    if row["ordered_units"] == 0:
        return "cancelled"
    expected = expected_units(row)
    complete = (
        expected is not None
        and (row["received_units"] or 0) >= expected
        and row["invoiced_units"] >= expected
    )
    if row["purchase_order_state"] != "Closed" and not complete:
        return "open"
    if _key(row) in named:
        return "exception"
    return "matched"


def _line_exceptions(
    world: World, books: Books, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    as_of = books.as_of
    asn_times: dict[tuple[str, str, str | None, str], list[datetime]] = defaultdict(
        list
    )
    for shipment in world.shipments:
        for version in shipment.versions:
            if version.confirmed_at > as_of:
                continue
            for item in version.items:
                asn_times[
                    (
                        shipment.account_id,
                        item.purchase_order_number,
                        item.asin,
                        item.vendor_sku,
                    )
                ].append(version.confirmed_at)
    created = {
        (po.account_id, po.purchase_order_number): po.created_at
        for po in world.purchase_orders
    }
    found = []
    for row in rows:
        cost = row["po_unit_cost"]

        def add(kind: str, amount: Decimal, row: dict[str, Any] = row) -> None:
            found.append(
                _exception(
                    kind,
                    row["account_id"],
                    row["currency_code"],
                    amount,
                    purchase_order_number=row["purchase_order_number"],
                    item_sequence_number=row["item_sequence_number"],
                )
            )

        closed = row["purchase_order_state"] == "Closed"
        last = row["last_received_at"]
        if row["shortage_units"] > 0 and (
            closed
            or (
                last is not None
                and last < as_of - timedelta(days=RECEIVING_CLOSED_AFTER_DAYS)
            )
        ):
            add("shortage", row["shortage_amount"])
        if row["overage_units"] > 0:
            add("over_receipt", row["overage_units"] * cost)
        variance = row["price_variance_amount"]
        if abs(variance) > PRICE_TOLERANCE_PER_UNIT * row["invoiced_units"]:
            add("price_variance", abs(variance))
        if row["cancelled_units"] > 0 and row["invoiced_units"] > row["ordered_units"]:
            add(
                "invoiced_cancelled_units",
                (row["invoiced_units"] - row["ordered_units"])
                * (row["invoiced_unit_cost"] or Decimal(0)),
            )
        received = row["received_units"] or 0
        if closed and row["shipped_units"] != received:
            add("asn_receipt_mismatch", abs(row["shipped_units"] - received) * cost)
        expected = expected_units(row) or 0
        window_end = row["ship_window_end_at"]
        if expected > 0 and as_of > window_end:
            times = [
                t
                for (account, number, asin, sku), ts in asn_times.items()
                if account == row["account_id"]
                and number == row["purchase_order_number"]
                and _matches(row, asin, sku)
                for t in ts
            ]
            if not any(t <= window_end for t in times):
                add("late_or_missing_asn", expected * cost)
        po_created = created[(row["account_id"], row["purchase_order_number"])]
        if row["accepted_units"] is None and as_of > po_created + timedelta(hours=24):
            add("unacknowledged_po", row["ordered_units"] * cost)
    return found


def _invoice_exceptions(
    books: Books, remittance: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    as_of = books.as_of
    found = []
    for invoice in books.duplicates:
        found.append(
            _exception(
                "duplicate_invoice_number",
                invoice.account_id,
                invoice.currency_code,
                invoice.total,
                invoice_number=invoice.invoice_number,
            )
        )
    for amazon in books.amazon:
        invoice = amazon.invoice
        status = status_of(amazon, as_of)
        if status == "REJECTED":
            found.append(
                _exception(
                    "invoice_rejected",
                    invoice.account_id,
                    invoice.currency_code,
                    invoice.total,
                    invoice_number=invoice.invoice_number,
                )
            )
        if (
            invoice.invoice_type != CREDIT_NOTE
            and status != "PAID"
            and as_of.date() > due_date(invoice)
        ):
            found.append(
                _exception(
                    "unpaid_past_due",
                    invoice.account_id,
                    invoice.currency_code,
                    remaining_of(amazon, as_of),
                    invoice_number=invoice.invoice_number,
                )
            )
    for line in remittance:
        if line["deduction_type"] != "invoice_payment":
            found.append(
                _exception(
                    "deduction",
                    line["account_id"],
                    line["currency_code"],
                    abs(line["amount_paid"]),
                    invoice_number=line["invoice_number"],
                    payment_number=line["payment_number"],
                )
            )
    return found


def due_date(invoice: VendorInvoice):
    days = invoice.terms.net_due_days if invoice.terms else DEFAULT_NET_DUE_DAYS
    return invoice.issued_at.date() + timedelta(days=days)


def _exception(
    kind: str,
    account_id: str,
    currency_code: str,
    amount: Decimal,
    *,
    purchase_order_number: str | None = None,
    item_sequence_number: str | None = None,
    invoice_number: str | None = None,
    payment_number: str | None = None,
) -> dict[str, Any]:
    return {
        "exception_type": kind,
        "account_id": account_id,
        "purchase_order_number": purchase_order_number,
        "item_sequence_number": item_sequence_number,
        "invoice_number": invoice_number,
        "payment_number": payment_number,
        "currency_code": currency_code,
        "amount_at_stake": quantize_money(Decimal(amount), currency_code),
    }


def remittance_rows(world: World, as_of: datetime) -> list[dict[str, Any]]:
    rows = Books(world, as_of).remittance_lines()
    return [{k: row[k] for k in REMITTANCE_COLUMNS} for row in rows]
