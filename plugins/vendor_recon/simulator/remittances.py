"""Remittance files as vendors receive them: Vendor Central CSV and X12 820."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.settlement import Payment

# Each region's export spells its header, dates and negatives its own way, so a
# reader must go by the rules doc, not by one sample.
CSV_HEADERS = {
    "NA": (
        "Payment Number",
        "Payment Date",
        "Invoice Number",
        "Invoice Date",
        "Invoice Description",
        "Invoice Currency",
        "Invoice Amount",
        "Amount Paid",
        "Discount Taken",
        "Amount Remaining",
    ),
    "EU": (
        "Payment ID",
        "Payment Date",
        "Invoice #",
        "Invoice Date",
        "Description",
        "Currency",
        "Invoice Amount",
        "Paid Amount",
        "Terms Discount Taken",
        "Remaining Amount",
    ),
    "FE": (
        "payment_number",
        "payment_date",
        "invoice_number",
        "invoice_date",
        "invoice_description",
        "invoice_currency",
        "invoice_amount",
        "amount_paid",
        "discount_taken",
        "amount_remaining",
    ),
}
DEDUCTION_SUFFIXES = (
    ("SCRSC", "shortage_claim"),
    ("SCR", "shortage_claim_reversal"),
    ("SC", "shortage_claim"),
    ("PC", "price_claim"),
)
PROVISION = "_PROVISION_FOR_RECEIVABLES"
COOP_NUMBER = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{8}$")
PRICE_PROTECTION = re.compile(r"^(.*?)IPAPUS\d+$")


def deduction_type(number: str, counted_numbers: set[str]) -> tuple[str, str]:
    """(deduction_type, original_invoice_number) of a remittance line's number."""
    if number in counted_numbers:
        return "invoice_payment", number
    if "VCBSINV" in number:
        return "chargeback", number.replace("VCBSINV", "")
    if number.endswith(PROVISION + "R"):
        return "provision_reversal", number[: -len(PROVISION) - 1]
    if number.endswith(PROVISION):
        return "provision", number[: -len(PROVISION)]
    protection = PRICE_PROTECTION.match(number)
    if protection:
        return "price_protection", protection.group(1)
    if COOP_NUMBER.match(number):
        return "coop", number
    for suffix, kind in DEDUCTION_SUFFIXES:
        if number.endswith(suffix) and len(number) > len(suffix):
            return kind, number[: -len(suffix)]
    return "other", number


def remittance_csv(payment: Payment, region: str) -> bytes:
    """The Vendor Central export of one payment, in the region's spelling."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS[region])
    currency = payment.currency_code
    for line in payment.lines:
        writer.writerow(
            (
                payment.payment_number,
                _csv_date(payment.paid_at.date(), region),
                line.invoice_number,
                _csv_date(line.invoice_date, region),
                line.description,
                currency,
                *(
                    _csv_amount(amount, currency, region)
                    for amount in (
                        line.invoice_amount,
                        line.amount_paid,
                        line.discount_taken,
                        line.amount_remaining,
                    )
                ),
            )
        )
    text = buffer.getvalue()
    # EU exports come from Excel with a byte-order mark.
    return ("\ufeff" + text if region == "EU" else text).encode("utf-8")


def _csv_date(day, region: str) -> str:
    return day.strftime("%m/%d/%Y") if region == "NA" else day.isoformat()


def _csv_amount(amount: Decimal, currency: str, region: str) -> str:
    value = quantize_money(amount, currency)
    if region == "NA":
        text = f"{abs(value):,}"
        return f"({text})" if value < 0 else text
    return str(value)


def remittance_820(payment: Payment, control_number: int) -> bytes:
    """One X12 820 interchange holding the payment's single transaction set."""
    currency = payment.currency_code
    paid = payment.paid_at
    control = f"{control_number % 10**9:09d}"
    segments = [
        "ISA*00*          *00*          *ZZ*AMAZON         *ZZ*"
        f"{payment.vendor_code:<15}*{paid:%y%m%d}*{paid:%H%M}*U*00401*{control}*0*P*>",
        f"GS*RA*AMAZON*{payment.vendor_code}*{paid:%Y%m%d}*{paid:%H%M}*"
        f"{control_number % 10**9}*X*004010",
        "ST*820*0001",
        f"BPR*C*{_x12_amount(payment.total, currency)}*C*ACH*CCP*01*021000021*DA*"
        f"000123456*1234567890*AMAZON*01*011000015*DA*{control}*{paid:%Y%m%d}",
        f"TRN*1*{payment.payment_number}",
        f"CUR*PR*{currency}",
        "N1*PR*AMAZON",
        f"N1*PE*{payment.vendor_code}",
        "ENT*1",
    ]
    for line in payment.lines:
        segments.append(
            f"RMR*IV*{line.invoice_number}**{_x12_amount(line.amount_paid, currency)}"
            f"*{_x12_amount(line.invoice_amount, currency)}"
            f"*{_x12_amount(line.discount_taken, currency)}"
        )
        segments.append(f"DTM*003*{line.invoice_date:%Y%m%d}")
    # SE counts its own segments from ST to SE inclusive.
    segments.append(f"SE*{len(segments) - 2 + 1}*0001")
    segments.append(f"GE*1*{control_number % 10**9}")
    segments.append(f"IEA*1*{control}")
    return ("~".join(segments) + "~").encode("ascii")


def _x12_amount(amount: Decimal, currency: str) -> str:
    return str(quantize_money(amount, currency))
