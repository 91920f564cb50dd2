"""One alert as the monitoring.alerts model holds it, and how it reads in a line."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from vendor_recon.quality.reference_data import currency_minor_units

ALERTS_TABLE = "monitoring.alerts"
SEVERITY_RANK = {"critical": 0, "warning": 1}
# The columns read from monitoring.alerts, in the order of the dataclass.
ALERT_COLUMNS = (
    "alert_id",
    "content_hash",
    "kind",
    "severity",
    "status",
    "account_id",
    "subject",
    "detail",
    "money_at_stake",
    "currency_code",
    "deadline_date",
    "first_seen_at",
    "last_seen_at",
    "purchase_order_number",
    "item_sequence_number",
    "invoice_number",
    "source_name",
)


@dataclass(frozen=True)
class Alert:
    alert_id: str
    content_hash: str
    kind: str
    severity: str
    status: str
    account_id: str | None
    subject: str
    detail: str
    money_at_stake: Decimal | None = None
    currency_code: str | None = None
    deadline_date: date | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    purchase_order_number: str | None = None
    item_sequence_number: str | None = None
    invoice_number: str | None = None
    source_name: str | None = None

    @classmethod
    def adhoc(
        cls,
        kind: str,
        severity: str,
        subject: str,
        detail: str,
        *,
        keys: tuple[str, ...],
        account_id: str | None = None,
        seen_at: datetime | None = None,
    ) -> Alert:
        """An alert raised outside the warehouse, such as a failed run."""
        alert_id = md5("|".join((kind, account_id or "", *keys)))
        content_hash = md5("|".join(("open", severity, subject, detail)))
        return cls(
            alert_id=alert_id,
            content_hash=content_hash,
            kind=kind,
            severity=severity,
            status="open",
            account_id=account_id,
            subject=subject,
            detail=detail,
            first_seen_at=seen_at,
            last_seen_at=seen_at,
        )

    def summary(self) -> str:
        """One line: severity, kind, account, subject, detail, money, deadline."""
        parts = [f"[{self.severity}] {self.kind}"]
        if self.status != "open":
            parts[0] += f" ({self.status})"
        parts.append(self.account_id or "all accounts")
        parts.append(f"{self.subject}: {self.detail}")
        money = self.money_text()
        if money:
            parts.append(f"{money} at stake")
        if self.deadline_date:
            parts.append(f"act by {self.deadline_date.isoformat()}")
        return " | ".join(parts)

    def money_text(self) -> str:
        if self.money_at_stake is None:
            return ""
        return format_money(self.money_at_stake, self.currency_code)

    def as_message(self) -> dict[str, Any]:
        """JSON-able fields for files and webhooks; only what the alert says."""
        fields = asdict(self)
        for name, value in fields.items():
            if isinstance(value, Decimal):
                fields[name] = str(value)
            elif isinstance(value, date | datetime):
                fields[name] = value.isoformat()
        return fields


def format_money(amount: Decimal, currency_code: str | None) -> str:
    """1,234.50 USD; JPY without decimals, as its minor unit says."""
    units = currency_minor_units().get(currency_code or "", 2)
    quantized = Decimal(amount).quantize(Decimal(1).scaleb(-units))
    return f"{quantized:,.{units}f} {currency_code or ''}".strip()


def md5(text: str) -> str:
    # Identifiers, not security: the same digest dbt's md5() gives.
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def severity_at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) <= SEVERITY_RANK.get(minimum, 1)
