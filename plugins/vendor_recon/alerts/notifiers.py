"""Airflow notifiers that deliver the warehouse's new and changed alerts.

Each notifier is one channel: the file/log notifier (the default, JSON lines
in `VENDOR_RECON_ALERTS_DIR`), SMTP and a Slack-compatible webhook, the last
two configured by an Airflow connection. Use them as DAG or task callbacks;
every call sends only what that channel has not had yet (see delivery.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseNotifier

from vendor_recon.alerts import render, transports
from vendor_recon.alerts.delivery import deliver_pending
from vendor_recon.alerts.model import Alert
from vendor_recon.alerts.run_status import failed_run_alert

logger = logging.getLogger(__name__)

ALERTS_DIR_ENV = "VENDOR_RECON_ALERTS_DIR"
DEFAULT_SMTP_CONN_ID = "vendor_recon_smtp"
DEFAULT_WEBHOOK_CONN_ID = "vendor_recon_webhook"
REDACTED = "***"


def alerts_dir() -> Path:
    """`VENDOR_RECON_ALERTS_DIR`, else `alerts/` beside the warehouse file."""
    configured = os.environ.get(ALERTS_DIR_ENV)
    if configured:
        return Path(configured).resolve()
    return _warehouse_path(None).parent / "alerts"


class WarehouseAlertNotifier(BaseNotifier):
    """Deliver pending alerts through one channel; subclasses say how.

    ``report_failed_run`` adds an alert for the DAG run itself when the
    callback's context says it failed (use it for on_failure_callback).
    """

    channel = "base"

    def __init__(
        self,
        *,
        warehouse_path: str | Path | None = None,
        min_severity: str = "warning",
        report_failed_run: bool = False,
    ) -> None:
        super().__init__()
        self.warehouse_path = warehouse_path
        self.min_severity = min_severity
        self.report_failed_run = report_failed_run

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        # Nothing here is templated; and in DAG callbacks under dag.test() the
        # context's DAG is a SerializedDAG, which has no template environment.
        if self.template_fields:
            super().render_template_fields(context, jinja_env)

    def notify(self, context: Any) -> None:
        warehouse = _warehouse_path(self.warehouse_path)
        extra = []
        if self.report_failed_run:
            alert = failed_run_alert(context, warehouse)
            if alert is not None:
                extra.append(alert)
        deliver_pending(
            warehouse,
            self.channel_id(),
            self.send,
            min_severity=self.min_severity,
            extra_alerts=extra,
        )

    def channel_id(self) -> str:
        return self.channel

    def send(self, alerts: Sequence[Alert]) -> None:
        raise NotImplementedError


class FileAlertNotifier(WarehouseAlertNotifier):
    """JSON lines in a folder plus one log line: works with nothing configured."""

    channel = "file"

    def __init__(self, *, directory: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = directory

    def send(self, alerts: Sequence[Alert]) -> None:
        directory = Path(self.directory) if self.directory else alerts_dir()
        path = transports.write_jsonl(directory, alerts, datetime.now(UTC))
        logger.warning("%s; written to %s", render.subject_line(alerts), path)


class SmtpAlertNotifier(WarehouseAlertNotifier):
    """One plain-text mail per call, through the SMTP server of a connection.

    The connection (conn_type smtp): host, port, login and password if the
    server wants them, extra `from_email`, `to` (comma-separated, unless given
    here), `ssl` and `starttls` (booleans).
    """

    channel = "smtp"

    def __init__(
        self,
        *,
        smtp_conn_id: str = DEFAULT_SMTP_CONN_ID,
        to: Sequence[str] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.smtp_conn_id = smtp_conn_id
        self.to = to

    def channel_id(self) -> str:
        return f"smtp:{self.smtp_conn_id}"

    def send(self, alerts: Sequence[Alert]) -> None:
        connection = _connection(self.smtp_conn_id)
        extra = connection.extra_dejson
        secrets = _secrets(connection.password, extra)
        recipients = _addresses(self.to or extra.get("to", ""))
        safe = [_scrubbed(alert, secrets) for alert in alerts]
        transports.send_smtp(
            host=connection.host or "localhost",
            port=int(connection.port or 25),
            sender=extra.get("from_email") or connection.login or "vendor-recon",
            recipients=recipients,
            subject=_scrub(render.subject_line(safe), secrets),
            body=_scrub(render.text_body(safe), secrets),
            login=connection.login,
            password=connection.password,
            use_ssl=_flag(extra.get("ssl")),
            starttls=_flag(extra.get("starttls")),
        )


class WebhookAlertNotifier(WarehouseAlertNotifier):
    """POST a Slack-compatible JSON message to the URL of a connection.

    The connection: extra `url` (the whole URL), or schema (http/https), host,
    port and extra `endpoint`; a password, if set, is sent as a bearer token.
    """

    channel = "webhook"

    def __init__(
        self, *, webhook_conn_id: str = DEFAULT_WEBHOOK_CONN_ID, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.webhook_conn_id = webhook_conn_id

    def channel_id(self) -> str:
        return f"webhook:{self.webhook_conn_id}"

    def send(self, alerts: Sequence[Alert]) -> None:
        connection = _connection(self.webhook_conn_id)
        extra = connection.extra_dejson
        secrets = _secrets(connection.password, extra)
        safe = [_scrubbed(alert, secrets) for alert in alerts]
        transports.post_webhook(
            _webhook_url(connection, extra),
            render.webhook_payload(safe),
            token=connection.password or None,
        )


def _connection(conn_id: str) -> Any:
    from airflow.sdk import Connection

    return Connection.get(conn_id)


def _webhook_url(connection: Any, extra: dict[str, Any]) -> str:
    if extra.get("url"):
        return str(extra["url"])
    scheme = connection.schema or "https"
    port = f":{connection.port}" if connection.port else ""
    endpoint = str(extra.get("endpoint", "")).lstrip("/")
    return f"{scheme}://{connection.host}{port}/{endpoint}"


def _secrets(password: str | None, extra: dict[str, Any]) -> list[str]:
    # A webhook URL may embed its token in the path (Slack's do), so the URL,
    # its path and its query count as secrets too. Longest first, so that a
    # whole URL is replaced before a part of it.
    values = [password, *(extra.get(k) for k in ("url", "token", "endpoint"))]
    if extra.get("url"):
        parts = urlsplit(str(extra["url"]))
        values += [parts.path, parts.query]
    found = {str(value) for value in values if value and len(str(value)) >= 4}
    return sorted(found, key=len, reverse=True)


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _scrubbed(alert: Alert, secrets: Sequence[str]) -> Alert:
    # Belt and braces: alert text comes from data, and data can hold anything.
    return replace(
        alert,
        subject=_scrub(alert.subject, secrets),
        detail=_scrub(alert.detail, secrets),
    )


def _addresses(value: Sequence[str] | str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _warehouse_path(configured: str | Path | None) -> Path:
    if configured is not None:
        return Path(configured)
    from vendor_recon.settings import Settings

    return Settings.from_env().warehouse_path
