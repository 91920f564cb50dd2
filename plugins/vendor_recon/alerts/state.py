"""monitoring.alert_deliveries: the version of each alert a channel was last sent.

Only the last one is kept, so an alert is due again whenever its current
version is not that one: a change, a resolution, and an alert open again after
its resolution even when it reads as it did the first time. The table lives in
the warehouse the alerts come from, DuckDB or PostgreSQL (`open_warehouse`);
the statements are written for both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from vendor_recon.alerts.model import ALERT_COLUMNS, ALERTS_TABLE, Alert
from vendor_recon.quality.connection import WarehouseConnection

DELIVERIES_TABLE = "monitoring.alert_deliveries"

_CREATE = f"""
create schema if not exists monitoring;
create table if not exists {DELIVERIES_TABLE} (
    alert_id varchar not null,
    content_hash varchar not null,
    channel varchar not null,
    status varchar not null,
    delivered_at timestamptz not null,
    primary key (alert_id, content_hash, channel)
);
"""


def ensure_table(connection: WarehouseConnection) -> None:
    connection.execute(_CREATE)


def pending_alerts(connection: WarehouseConnection, channel: str) -> list[Alert]:
    """Alerts whose current content this channel has not been sent yet.

    Open alerts are due when their content_hash is not the one the channel
    was last sent of them; a resolved one only when the channel was told about
    it before, so that nobody hears of the end of something they never heard
    of.
    """
    ensure_table(connection)
    if not _table_exists(connection, ALERTS_TABLE):
        return []
    columns = ", ".join(f"a.{name}" for name in ALERT_COLUMNS)
    rows = connection.execute(
        f"""
        select {columns}
        from {ALERTS_TABLE} as a
        where not exists (
                select 1 from {DELIVERIES_TABLE} as d
                where d.alert_id = a.alert_id
                    and d.content_hash = a.content_hash
                    and d.channel = ?
            )
            and (
                a.status = 'open'
                or exists (
                    select 1 from {DELIVERIES_TABLE} as d
                    where d.alert_id = a.alert_id and d.channel = ?
                )
            )
        """,
        [channel, channel],
    )
    return sorted((Alert(*row) for row in rows), key=_delivery_order)


def already_delivered(
    connection: WarehouseConnection, alerts: Iterable[Alert], channel: str
) -> set[str]:
    """The alert_ids among ``alerts`` whose current content the channel last had."""
    ensure_table(connection)
    delivered = set()
    for alert in alerts:
        [(count,)] = connection.execute(
            f"""
            select count(*) from {DELIVERIES_TABLE}
            where alert_id = ? and content_hash = ? and channel = ?
            """,
            [alert.alert_id, alert.content_hash, channel],
        )
        if count:
            delivered.add(alert.alert_id)
    return delivered


def record_deliveries(
    connection: WarehouseConnection,
    alerts: Iterable[Alert],
    channel: str,
    delivered_at: datetime,
) -> None:
    """Remember one send: all of its alerts, or none of them.

    Each alert's earlier versions on the channel are forgotten: were the
    "resolved" sent before kept, the alert open again with the hash of its
    first "open" would look already sent.
    """
    alerts = list(alerts)
    superseded = [(a.alert_id, channel, a.content_hash) for a in alerts]
    rows = [
        (alert.alert_id, alert.content_hash, channel, alert.status, delivered_at)
        for alert in alerts
    ]
    ensure_table(connection)
    with connection.transaction():
        connection.executemany(
            f"delete from {DELIVERIES_TABLE}"
            " where alert_id = ? and channel = ? and content_hash <> ?",
            superseded,
        )
        connection.executemany(
            f"insert into {DELIVERIES_TABLE} values (?, ?, ?, ?, ?)"
            " on conflict do nothing",
            rows,
        )


def _delivery_order(alert: Alert) -> tuple:
    # Sorted here, not in SQL: PostgreSQL orders text by the database's
    # collation (en-US puts `Poc` after `poa`), DuckDB by code point, and
    # Python's order is DuckDB's on both. Critical first, then the alerts of
    # no account, then by account, kind and id.
    return (
        alert.severity != "critical",
        alert.account_id is not None,
        alert.account_id or "",
        alert.kind,
        alert.alert_id,
    )


def _table_exists(connection: WarehouseConnection, table: str) -> bool:
    schema, name = table.split(".")
    [(count,)] = connection.execute(
        """
        select count(*) from information_schema.tables
        where table_catalog = current_database()
            and table_schema = ? and table_name = ?
        """,
        [schema, name],
    )
    return count > 0
