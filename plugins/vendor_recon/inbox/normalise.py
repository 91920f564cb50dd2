"""The normalised remittance line both remittance formats produce, and the
amount and date forms the rules doc allows. Money stays Decimal, never float.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from vendor_recon.quality.reference_data import currency_codes

LINE_FIELDS = (
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
    "line_number",
    "source_format",
)

_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_X12_DATE = re.compile(r"^\d{8}$")


def parse_amount(text: str) -> Decimal:
    """'1,234.50', '-12.34' or '(12.34)' -> Decimal; anything else ValueError."""
    value = text.strip()
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    elif value.startswith("-"):
        negative, value = True, value[1:]
    if not _AMOUNT.match(value):
        raise ValueError(f"{text!r} is not an amount")
    amount = Decimal(value.replace(",", ""))
    return -amount if negative and amount else amount


def parse_date(text: str, region: str) -> date:
    """YYYY-MM-DD anywhere; MM/DD/YYYY for NA accounts only."""
    value = text.strip()
    try:
        if _ISO_DATE.match(value):
            return date.fromisoformat(value)
        us = _US_DATE.match(value)
        if us and region == "NA":
            month, day, year = (int(part) for part in us.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date: {exc}") from exc
    allowed = "YYYY-MM-DD or MM/DD/YYYY" if region == "NA" else "YYYY-MM-DD"
    raise ValueError(f"{text!r} is not a date in the form {allowed}")


def parse_x12_date(text: str) -> date:
    value = text.strip()
    try:
        if _X12_DATE.match(value):
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date in the form CCYYMMDD")


def parse_currency(text: str) -> str:
    code = text.strip().upper()
    if code not in currency_codes():
        raise ValueError(f"{text!r} is not an ISO 4217 currency code")
    return code


def money(amount: Decimal) -> str:
    """A decimal string as written, without a negative zero."""
    return str(amount if amount else abs(amount))


def line_key(line: dict[str, Any]) -> str:
    return f"{line['payment_number']}/{line['line_number']}"


def line_updated_at(line: dict[str, Any]) -> datetime:
    """The payment date, as the start of that UTC day."""
    day = date.fromisoformat(line["payment_date"])
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
