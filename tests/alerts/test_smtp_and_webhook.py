"""SMTP and webhook notifiers against servers on 127.0.0.1; no secret in a message."""

from __future__ import annotations

import email
import email.policy
import json

from alert_rows import alert_row
from local_servers import SmtpServer, WebhookServer

from vendor_recon.alerts.notifiers import SmtpAlertNotifier, WebhookAlertNotifier

SMTP_PASSWORD = "smtp-pass-7f3a9c"
WEBHOOK_TOKEN = "hook-token-51be02"
WEBHOOK_PATH = "/services/T000/B000/path-secret-88d1"


def leaky_alerts():
    # Alert text comes from data; here the data happens to hold the secrets.
    return [
        alert_row("a1", detail=f"login failed with {SMTP_PASSWORD}"),
        alert_row(
            "a2",
            kind="data_gap",
            severity="warning",
            account_id="acme-fe",
            subject="purchase_orders extraction",
            detail=f"see {WEBHOOK_PATH} ({WEBHOOK_TOKEN})",
            money_at_stake=None,
            currency_code=None,
        ),
    ]


def test_smtp_delivers_once_and_never_sends_the_password(
    warehouse, set_alerts, monkeypatch
):
    set_alerts(leaky_alerts())
    with SmtpServer() as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_ALERTS_MAIL",
            json.dumps(
                {
                    "conn_type": "smtp",
                    "host": "127.0.0.1",
                    "port": server.port,
                    "login": "recon-bot",
                    "password": SMTP_PASSWORD,
                    "extra": {
                        "from_email": "recon@example.test",
                        "to": "ap@example.test, ops@example.test",
                    },
                }
            ),
        )
        notifier = SmtpAlertNotifier(
            smtp_conn_id="alerts_mail", warehouse_path=warehouse
        )
        notifier({})
        notifier({})

    assert server.inbox.logins == [("recon-bot", SMTP_PASSWORD)]
    [mail] = server.inbox.messages
    assert mail["from"] == "recon@example.test"
    assert mail["to"] == ["ap@example.test", "ops@example.test"]
    message = email.message_from_string(mail["data"], policy=email.policy.default)
    assert message["Subject"].strip() == (
        "vendor-recon: 2 new or changed alert(s), 1 critical (acme-fe, acme-na)"
    )
    body = message.get_content()
    assert body.splitlines()[2:] == [
        "- [critical] payment_overdue | acme-na | invoice a1: login failed with "
        "*** | 100.00 USD at stake",
        "- [warning] data_gap | acme-fe | purchase_orders extraction: see "
        f"{WEBHOOK_PATH} ({WEBHOOK_TOKEN})",
    ]
    assert SMTP_PASSWORD not in mail["data"]


def test_webhook_posts_slack_json_and_keeps_its_token_out_of_the_body(
    warehouse, set_alerts, monkeypatch
):
    set_alerts(leaky_alerts())
    with WebhookServer() as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_ALERTS_CHAT",
            json.dumps(
                {
                    "conn_type": "http",
                    "password": WEBHOOK_TOKEN,
                    "extra": {"url": f"http://127.0.0.1:{server.port}{WEBHOOK_PATH}"},
                }
            ),
        )
        notifier = WebhookAlertNotifier(
            webhook_conn_id="alerts_chat", warehouse_path=warehouse
        )
        notifier({})
        set_alerts([alert_row("a1", content_hash="a1-v2", money_at_stake=150)])
        notifier({})

    first, second = server.received
    assert first["path"] == WEBHOOK_PATH
    assert first["headers"]["Authorization"] == f"Bearer {WEBHOOK_TOKEN}"
    payload = json.loads(first["body"])
    assert payload["text"].splitlines()[0] == (
        "*vendor-recon: 2 new or changed alert(s), 1 critical (acme-fe, acme-na)*"
    )
    assert [a["alert_id"] for a in payload["alerts"]] == ["a1", "a2"]
    assert payload["alerts"][1]["detail"] == "see *** (***)"
    for request in server.received:
        assert WEBHOOK_TOKEN not in request["body"]
        assert WEBHOOK_PATH not in request["body"]
    assert [a["money_at_stake"] for a in json.loads(second["body"])["alerts"]] == [
        "150.0000"
    ]
