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
from vendor_recon.quality.connection import open_warehouse

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
    """
    with open_warehouse(warehouse_path, must_exist=True) as connection:
        stored = pending_alerts(connection, channel)
        delivered_extra = already_delivered(connection, extra_alerts, channel)
        where = connection.where
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
