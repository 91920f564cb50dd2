"""Send each alert once per channel until it changes, and remember what was sent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from vendor_recon.alerts.model import Alert, severity_at_least
from vendor_recon.alerts.state import (
    already_delivered,
    pending_alerts,
    record_deliveries,
)
from vendor_recon.quality.connection import open_warehouse, warehouse_errors

logger = logging.getLogger(__name__)

Sender = Callable[[Sequence[Alert]], None]


def deliver_pending(
    warehouse_path: str | Path,
    channel: str,
    send: Sender,
    *,
    min_severity: str = "warning",
    extra_alerts: Sequence[Alert] = (),
    now: datetime | None = None,
) -> list[Alert]:
    """Hand ``send`` the alerts this channel has not had, then record them.

    ``extra_alerts`` (a failed run, say) go through the same once-only check.
    Nothing is recorded when ``send`` raises, so the next call tries again.
    The warehouse (the DuckDB file, or PostgreSQL: see `open_warehouse`) is not
    held open while ``send`` talks to a server.

    When the warehouse cannot be read, the ``extra_alerts`` are still sent,
    unrecorded: a run that failed because its database was down or locked
    must reach someone, and a repeat of that alert is the lesser harm.
    """
    try:
        with open_warehouse(warehouse_path, must_exist=True) as connection:
            stored = pending_alerts(connection, channel)
            delivered_extra = already_delivered(connection, extra_alerts, channel)
            where = connection.where
    except (OSError, *warehouse_errors()) as exc:
        if not extra_alerts:
            raise
        return _send_unrecorded(channel, send, extra_alerts, min_severity, exc)
    extra = [a for a in extra_alerts if a.alert_id not in delivered_extra]
    due = [a for a in [*extra, *stored] if severity_at_least(a.severity, min_severity)]
    if not due:
        logger.info("Channel %s: no new or changed alerts in %s", channel, where)
        return []

    send(due)

    with open_warehouse(warehouse_path, must_exist=True) as connection:
        record_deliveries(connection, due, channel, now or datetime.now(UTC))
    critical = sum(1 for alert in due if alert.severity == "critical")
    logger.info(
        "Channel %s: delivered %s alerts (%s critical), recorded in %s",
        channel,
        len(due),
        critical,
        where,
    )
    return due


def _send_unrecorded(
    channel: str,
    send: Sender,
    alerts: Sequence[Alert],
    min_severity: str,
    error: Exception,
) -> list[Alert]:
    due = [a for a in alerts if severity_at_least(a.severity, min_severity)]
    logger.warning(
        "Channel %s: the warehouse could not be read (%s: %s); sending %s run "
        "alert(s) without recording them, so they may be sent again",
        channel,
        type(error).__name__,
        error,
        len(due),
    )
    if due:
        send(due)
    return due
