"""The daily digest per account: new alerts, money at risk, deadlines this week."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from vendor_recon.alerts import ship_windows
from vendor_recon.alerts.model import ALERT_COLUMNS, ALERTS_TABLE, Alert, format_money
from vendor_recon.quality.connection import WarehouseConnection, open_warehouse

UTC = ZoneInfo("UTC")
# A PO's upcoming window names this many of its line numbers, then counts.
MAX_LINE_NUMBERS = 5
DEADLINE_DAYS = 7


def build_digest(warehouse_path: str | Path, account_id: str, day: date) -> str:
    """The account's digest for ``day`` (UTC) as Markdown, from monitoring.alerts.

    New alerts are those first seen on ``day``; money at risk sums the open
    alerts by currency; deadlines are open alerts' deadlines and ship windows of
    accepted, unshipped lines from ``day`` to six days later. Alerts without an
    account (failed data-quality checks) are counted at the end. A PO's new
    missed-ship-window alerts make one entry, its lines listed in the detail
    section at the end. The warehouse is the DuckDB file or PostgreSQL, as
    `open_warehouse` says.
    """
    with open_warehouse(warehouse_path) as connection:
        alerts = _open_or_new_alerts(connection, account_id, day)
        shared = _shared_alert_count(connection)
        unshipped = ship_windows.unshipped_lines(connection, account_id)

    start = datetime.combine(day, time(), UTC)
    new = [
        a
        for a in alerts
        if a.first_seen_at and start <= a.first_seen_at < start + timedelta(days=1)
    ]
    open_alerts = [a for a in alerts if a.status == "open"]
    week_end = day + timedelta(days=DEADLINE_DAYS - 1)

    lines = [f"# {account_id}: vendor-recon digest for {day.isoformat()}", ""]
    lines += [f"## New alerts ({len(new)})", ""]
    new_entries = ship_windows.grouped(new, unshipped)
    lines += [f"- {_entry(entry)}" for entry in new_entries] or ["None."]

    lines += ["", "## Money at risk (open alerts)", ""]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for alert in open_alerts:
        if alert.money_at_stake is not None and alert.currency_code:
            totals[alert.currency_code] += alert.money_at_stake
            counts[alert.currency_code] += 1
    if totals:
        lines += ["| currency | at risk | alerts |", "| --- | ---: | ---: |"]
        lines += [
            f"| {code} | {format_money(totals[code], code)} | {counts[code]} |"
            for code in sorted(totals)
        ]
    else:
        lines.append("None.")

    lines += [
        "",
        f"## Deadlines this week ({day.isoformat()} to {week_end.isoformat()})",
        "",
    ]
    deadlines = [
        (a.deadline_date, f"{a.kind}: {a.subject}" + _money_suffix(a))
        for a in open_alerts
        if a.deadline_date and day <= a.deadline_date <= week_end
    ]
    deadlines += _ship_window_deadlines(unshipped, day, week_end)
    lines += [f"- {d.isoformat()} {text}" for d, text in sorted(deadlines)] or ["None."]

    if shared:
        lines += [
            "",
            "## All accounts",
            "",
            f"{shared} open data-quality alert(s) concern every account.",
        ]

    missed_lines = ship_windows.detail_lines(new_entries)
    if missed_lines:
        lines += ["", "## Detail: PO lines past their ship window", "", *missed_lines]
    return "\n".join(lines) + "\n"


def _ship_window_deadlines(
    unshipped: list[ship_windows.UnshippedLine], day: date, week_end: date
) -> list[tuple[date, str]]:
    """One entry per PO and window end this week: a PO's lines share a window."""
    by_po: dict[tuple[date, str], list] = defaultdict(list)
    for line in unshipped:
        if line.ship_window_date and day <= line.ship_window_date <= week_end:
            by_po[(line.ship_window_date, line.purchase_order_number)].append(line)
    entries = []
    for (window_end, po), lines in by_po.items():
        units = sum(line.units_to_ship for line in lines)
        numbers = [str(line.item_sequence_number) for line in lines]
        if len(lines) == 1:
            which = f"line {numbers[0]}"
        else:
            shown = ", ".join(numbers[:MAX_LINE_NUMBERS])
            if len(numbers) > MAX_LINE_NUMBERS:
                shown += f" and {len(numbers) - MAX_LINE_NUMBERS} more"
            which = f"{len(lines)} lines ({shown})"
        entries.append(
            (window_end, f"ship window ends: PO {po} {which}, {units} unit(s) to ship")
        )
    return entries


def _entry(entry: Alert | ship_windows.MissedPurchaseOrder) -> str:
    if isinstance(entry, ship_windows.MissedPurchaseOrder):
        return entry.summary()
    return _line(entry)


def _line(alert: Alert) -> str:
    text = f"[{alert.severity}] {alert.kind}: {alert.subject} ({alert.detail})"
    text += _money_suffix(alert)
    if alert.deadline_date:
        text += f", act by {alert.deadline_date.isoformat()}"
    return text


def _money_suffix(alert: Alert) -> str:
    money = alert.money_text()
    return f", {money}" if money else ""


def _open_or_new_alerts(
    connection: WarehouseConnection, account_id: str, day: date
) -> list[Alert]:
    if not _exists(connection, ALERTS_TABLE):
        return []
    rows = connection.execute(
        f"""
        select {", ".join(ALERT_COLUMNS)}
        from {ALERTS_TABLE}
        where account_id = ?
            and (status = 'open' or cast(first_seen_at as date) = ?)
        """,
        [account_id, day],
    )
    return sorted((Alert(*row) for row in rows), key=_digest_order)


def _digest_order(alert: Alert) -> tuple:
    # Sorted here, not in SQL: PostgreSQL orders text by the database's
    # collation (en-US puts `Poc` after `poa`), DuckDB by code point; Python's
    # order is DuckDB's on both, so the digest reads the same whatever the
    # warehouse. The id breaks ties, which SQL left to chance.
    return (alert.severity != "critical", alert.kind, alert.subject, alert.alert_id)


def _shared_alert_count(connection: WarehouseConnection) -> int:
    if not _exists(connection, ALERTS_TABLE):
        return 0
    [(count,)] = connection.execute(
        f"select count(*) from {ALERTS_TABLE} "
        "where account_id is null and status = 'open'"
    )
    return count


def _exists(connection: WarehouseConnection, table: str) -> bool:
    schema, name = table.split(".")
    [(count,)] = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    )
    return count > 0
