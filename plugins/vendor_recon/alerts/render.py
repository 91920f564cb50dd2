"""Alert batches as people read them: a subject line, a text body, a chat post.

Only alert fields go into a message: no connection, no URL, no credential
ever reaches these functions, so none can leak into what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vendor_recon.alerts.model import Alert

PRODUCT = "vendor-recon"


def subject_line(alerts: Sequence[Alert]) -> str:
    critical = sum(1 for alert in alerts if alert.severity == "critical")
    accounts = sorted({alert.account_id for alert in alerts if alert.account_id})
    text = f"{PRODUCT}: {len(alerts)} new or changed alert(s)"
    if critical:
        text += f", {critical} critical"
    if accounts:
        text += f" ({', '.join(accounts)})"
    return text


def text_body(alerts: Sequence[Alert]) -> str:
    """Plain text, one line per alert, critical first as they come."""
    lines = [subject_line(alerts), ""]
    lines += [f"- {alert.summary()}" for alert in alerts]
    return "\n".join(lines) + "\n"


def webhook_payload(alerts: Sequence[Alert]) -> dict[str, Any]:
    """Slack-compatible: `text` for any incoming webhook, `alerts` for machines."""
    text = "\n".join(
        [f"*{subject_line(alerts)}*", *(f"• {alert.summary()}" for alert in alerts)]
    )
    return {"text": text, "alerts": [alert.as_message() for alert in alerts]}
