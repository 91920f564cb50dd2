"""Missed ship windows per purchase order: one digest entry for all of a PO's lines.

monitoring.alerts raises po_not_shipped_by_ship_window once per PO line, so a
30-line PO that missed its window would fill the digest with 30 entries. The
digest shows one entry per PO instead (lines, units still to ship, money at
stake, earliest ship-window end) and lists the lines in its detail section.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from vendor_recon.alerts.model import SEVERITY_RANK, Alert, format_money
from vendor_recon.quality.connection import WarehouseConnection

MISSED_SHIP_WINDOW = "po_not_shipped_by_ship_window"
PO_LINES_TABLE = "marts.fct_po_line_reconciliation"


@dataclass(frozen=True)
class UnshippedLine:
    """An accepted PO line not (fully) shipped, from the PO lines mart."""

    purchase_order_number: str
    item_sequence_number: str
    ship_window_date: date | None
    units_to_ship: int


@dataclass(frozen=True)
class MissedLine:
    alert: Alert
    line: UnshippedLine | None

    @property
    def deadline(self) -> date | None:
        """The ship window's end from the mart, else the alert's own deadline."""
        if self.line and self.line.ship_window_date:
            return self.line.ship_window_date
        return self.alert.deadline_date


@dataclass(frozen=True)
class MissedPurchaseOrder:
    """A PO's missed-ship-window alerts, summed."""

    purchase_order_number: str
    lines: tuple[MissedLine, ...]

    @property
    def severity(self) -> str:
        return min(
            (missed.alert.severity for missed in self.lines),
            key=lambda severity: SEVERITY_RANK.get(severity, 0),
        )

    @property
    def units_to_ship(self) -> int | None:
        """Summed over the lines the mart still shows unshipped (one shipped
        since its alert adds nothing); None when it shows none of them."""
        known = [missed.line.units_to_ship for missed in self.lines if missed.line]
        return sum(known) if known else None

    @property
    def money_at_stake(self) -> dict[str, Decimal]:
        """Summed per currency: a PO has one, but nothing here assumes it."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for missed in self.lines:
            alert = missed.alert
            if alert.money_at_stake is not None and alert.currency_code:
                totals[alert.currency_code] += alert.money_at_stake
        return dict(totals)

    @property
    def earliest_deadline(self) -> date | None:
        deadlines = [missed.deadline for missed in self.lines if missed.deadline]
        return min(deadlines, default=None)

    def summary(self) -> str:
        units = self.units_to_ship
        parts = [
            f"[{self.severity}] {MISSED_SHIP_WINDOW}: PO {self.purchase_order_number}",
            f"{len(self.lines)} line(s)",
            "units to ship unknown" if units is None else f"{units} unit(s) to ship",
        ]
        money = self.money_at_stake
        parts += [f"{format_money(money[code], code)}" for code in sorted(money)]
        if self.earliest_deadline:
            parts.append(f"earliest window end {self.earliest_deadline.isoformat()}")
        return ", ".join(parts)


def grouped(
    alerts: Sequence[Alert], lines: Iterable[UnshippedLine]
) -> list[Alert | MissedPurchaseOrder]:
    """The alerts in their order, each PO's missed-window alerts as one entry
    where its first one stood. An alert without a PO number stays as it is."""
    by_key = {(li.purchase_order_number, li.item_sequence_number): li for li in lines}
    per_po: dict[str, list[MissedLine]] = defaultdict(list)
    for alert in alerts:
        if _is_missed_window(alert):
            key = (alert.purchase_order_number, alert.item_sequence_number)
            per_po[alert.purchase_order_number].append(
                MissedLine(alert, by_key.get(key))
            )

    entries: list[Alert | MissedPurchaseOrder] = []
    for alert in alerts:
        if not _is_missed_window(alert):
            entries.append(alert)
        elif alert.purchase_order_number in per_po:
            po = alert.purchase_order_number
            entries.append(MissedPurchaseOrder(po, tuple(per_po.pop(po))))
    return entries


def detail_lines(entries: Iterable[Alert | MissedPurchaseOrder]) -> list[str]:
    """One Markdown line per PO line of the grouped entries."""
    lines = []
    for entry in entries:
        if not isinstance(entry, MissedPurchaseOrder):
            continue
        for missed in entry.lines:
            alert = missed.alert
            text = f"- PO {entry.purchase_order_number} line "
            text += f"{alert.item_sequence_number}: {alert.detail}"
            if missed.line:
                text += f", {missed.line.units_to_ship} unit(s) to ship"
            if alert.money_at_stake is not None:
                text += f", {alert.money_text()}"
            if missed.deadline:
                text += f", window end {missed.deadline.isoformat()}"
            lines.append(text)
    return lines


def unshipped_lines(
    connection: WarehouseConnection, account_id: str
) -> list[UnshippedLine]:
    """The account's accepted lines with units still to ship, from the mart."""
    columns = {
        name
        for (name,) in connection.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts'"
            " and table_name = 'fct_po_line_reconciliation'"
        )
    }
    if not columns:
        return []
    shipped = "shipped_units" if "shipped_units" in columns else "0"
    rows = connection.execute(
        f"""
        select
            purchase_order_number,
            item_sequence_number,
            cast(ship_window_end_at as date),
            accepted_units - coalesce({shipped}, 0)
        from {PO_LINES_TABLE}
        where account_id = ? and accepted_units > coalesce({shipped}, 0)
        order by 3, 1, 2
        """,
        [account_id],
    )
    return [UnshippedLine(*row) for row in rows]


def _is_missed_window(alert: Alert) -> bool:
    return alert.kind == MISSED_SHIP_WINDOW and alert.purchase_order_number is not None
