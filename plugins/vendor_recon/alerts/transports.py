"""The three ways out: JSON lines in a folder, SMTP, and an HTTP webhook.

Plain functions with explicit arguments; the notifiers read Airflow connections
and call these. Credentials are used to authenticate, never put in a message.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from vendor_recon.alerts.model import Alert

logger = logging.getLogger(__name__)


def write_jsonl(directory: str | Path, alerts: Sequence[Alert], now: datetime) -> Path:
    """Append one JSON object per alert to ``alerts-<UTC day>.jsonl``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"alerts-{now.date().isoformat()}.jsonl"
    with path.open("a", encoding="utf-8") as handle:
        for alert in alerts:
            record = {"delivered_at": now.isoformat(), **alert.as_message()}
            handle.write(json.dumps(record, sort_keys=True) + "\n")
    return path


def send_smtp(
    *,
    host: str,
    port: int,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    login: str | None = None,
    password: str | None = None,
    use_ssl: bool = False,
    starttls: bool = False,
    timeout: float = 30.0,
) -> None:
    """Send one plain-text mail; log in only when a login is given."""
    if not recipients:
        raise ValueError("no recipients for the alert mail")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    client_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    with client_class(host, port, timeout=timeout) as client:
        if starttls:
            client.starttls(context=ssl.create_default_context())
        if login:
            client.login(login, password or "")
        client.send_message(message)
    logger.info("Mailed %s recipient(s) via %s:%s", len(recipients), host, port)


def post_webhook(
    url: str,
    payload: dict,
    *,
    token: str | None = None,
    timeout: float = 10.0,
) -> int:
    """POST ``payload`` as JSON; a token goes in the Authorization header only."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"webhook URL scheme {parts.scheme!r} is not http(s)")
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        status = response.status
    # Slack-style URLs carry their secret in the path: log the host only.
    logger.info(
        "Posted %s alert(s) to webhook host %s: HTTP %s",
        len(payload.get("alerts", [])),
        parts.hostname,
        status,
    )
    return status
