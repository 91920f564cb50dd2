"""monitoring.alert_deliveries: which version of which alert went to which channel."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from vendor_recon.alerts.model import ALERT_COLUMNS, ALERTS_TABLE, Alert

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


def ensure_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(_CREATE)


def pending_alerts(connection: duckdb.DuckDBPyConnection, channel: str) -> list[Alert]:
    """Alerts whose current content this channel has not been sent yet.

    Open alerts are due when their (alert_id, content_hash) is new to the
    channel; a resolved one only when the channel was told about it before, so
    that nobody hears of the end of something they never heard of.
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
        order by
            case a.severity when 'critical' then 0 else 1 end,
            a.account_id nulls first,
            a.kind,
            a.alert_id
        """,
        [channel, channel],
    ).fetchall()
    return [Alert(*row) for row in rows]


def already_delivered(
    connection: duckdb.DuckDBPyConnection, alerts: Iterable[Alert], channel: str
) -> set[str]:
    """The alert_ids among ``alerts`` whose current content the channel has had."""
    ensure_table(connection)
    delivered = set()
    for alert in alerts:
        [(count,)] = connection.execute(
            f"""
            select count(*) from {DELIVERIES_TABLE}
            where alert_id = ? and content_hash = ? and channel = ?
            """,
            [alert.alert_id, alert.content_hash, channel],
        ).fetchall()
        if count:
            delivered.add(alert.alert_id)
    return delivered


def record_deliveries(
    connection: duckdb.DuckDBPyConnection,
    alerts: Iterable[Alert],
    channel: str,
    delivered_at: datetime,
) -> None:
    ensure_table(connection)
    connection.executemany(
        f"insert or ignore into {DELIVERIES_TABLE} values (?, ?, ?, ?, ?)",
        [
            (alert.alert_id, alert.content_hash, channel, alert.status, delivered_at)
            for alert in alerts
        ],
    )


def _table_exists(connection: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    [(count,)] = connection.execute(
        """
        select count(*) from information_schema.tables
        where table_catalog = current_database()
            and table_schema = ? and table_name = ?
        """,
        [schema, name],
    ).fetchall()
    return count > 0
