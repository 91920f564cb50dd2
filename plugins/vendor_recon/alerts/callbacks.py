"""DAG callbacks: deliver alerts on every finished run, digests on success.

`VENDOR_RECON_ALERT_CHANNELS` lists the channels (comma-separated: file, smtp,
webhook; default file); `VENDOR_RECON_ALERTS_SMTP_CONN_ID` and
`VENDOR_RECON_ALERTS_WEBHOOK_CONN_ID` name their connections. A channel that
fails is logged and the others still run: a callback must not hide the run's
own outcome.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CHANNELS_ENV = "VENDOR_RECON_ALERT_CHANNELS"
SMTP_CONN_ENV = "VENDOR_RECON_ALERTS_SMTP_CONN_ID"
WEBHOOK_CONN_ENV = "VENDOR_RECON_ALERTS_WEBHOOK_CONN_ID"


def on_dag_success(context: Any) -> None:
    """Send new and changed alerts, then write each account's digest."""
    _notify_all(context, report_failed_run=False)
    try:
        write_digests(context)
    except Exception:
        logger.exception("Digests could not be written")


def on_dag_failure(context: Any) -> None:
    """Send an alert for the failed run, and any new and changed alerts."""
    _notify_all(context, report_failed_run=True)


def configured_notifiers(*, report_failed_run: bool = False) -> list[Any]:
    """One notifier per channel of `VENDOR_RECON_ALERT_CHANNELS`."""
    from vendor_recon.alerts import notifiers

    names = os.environ.get(CHANNELS_ENV, "file")
    built = []
    for name in (part.strip().lower() for part in names.split(",")):
        if name == "file":
            built.append(
                notifiers.FileAlertNotifier(report_failed_run=report_failed_run)
            )
        elif name == "smtp":
            built.append(
                notifiers.SmtpAlertNotifier(
                    smtp_conn_id=os.environ.get(
                        SMTP_CONN_ENV, notifiers.DEFAULT_SMTP_CONN_ID
                    ),
                    report_failed_run=report_failed_run,
                )
            )
        elif name == "webhook":
            built.append(
                notifiers.WebhookAlertNotifier(
                    webhook_conn_id=os.environ.get(
                        WEBHOOK_CONN_ENV, notifiers.DEFAULT_WEBHOOK_CONN_ID
                    ),
                    report_failed_run=report_failed_run,
                )
            )
        elif name:
            logger.error("%s: unknown alert channel %r ignored", CHANNELS_ENV, name)
    return built


def write_digests(context: Any, directory: Path | None = None) -> list[Path]:
    """One Markdown digest per account for the run's day, under digests/<day>/.

    The accounts and alerts come from the configured warehouse, the DuckDB
    file or PostgreSQL (`open_warehouse`).
    """
    from vendor_recon.alerts.digest import build_digest
    from vendor_recon.alerts.notifiers import _warehouse_path, alerts_dir
    from vendor_recon.quality.connection import open_warehouse

    warehouse = _warehouse_path(None)
    day = run_day(context)
    with open_warehouse(warehouse, must_exist=True) as connection:
        accounts = sorted(
            account
            for (account,) in connection.execute(
                "select distinct account_id from raw.vendor_accounts"
            )
        )
    folder = (directory or alerts_dir()) / "digests" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for account in accounts:
        path = folder / f"{account}.md"
        path.write_text(build_digest(warehouse, account, day), encoding="utf-8")
        written.append(path)
    logger.info("Wrote %s digests for %s to %s", len(written), day, folder)
    return written


def run_day(context: Any) -> date:
    """The UTC day a run reports on: its data interval's end, else today."""
    end = context.get("data_interval_end")
    if end is None:
        end = getattr(context.get("dag_run"), "data_interval_end", None)
    if isinstance(end, datetime):
        return end.astimezone(UTC).date()
    return datetime.now(UTC).date()


def _notify_all(context: Any, *, report_failed_run: bool) -> None:
    for notifier in configured_notifiers(report_failed_run=report_failed_run):
        try:
            notifier(context)
        except Exception:
            logger.exception("Alert channel %s failed", notifier.channel_id())
