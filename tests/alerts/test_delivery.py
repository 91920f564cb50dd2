"""Each alert reaches a channel once, and again only when what it says changes."""

from __future__ import annotations

import json

import pytest
from alert_rows import alert_row

from vendor_recon.alerts import deliver_pending
from vendor_recon.alerts.model import Alert


class Collect:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, alerts) -> None:
        self.batches.append([alert.alert_id for alert in alerts])


def test_alert_is_sent_once_and_again_after_it_changes(warehouse, set_alerts):
    set_alerts([alert_row("a1"), alert_row("a2", severity="warning")])
    sent = Collect()

    deliver_pending(warehouse, "file", sent)
    deliver_pending(warehouse, "file", sent)
    # The overdue amount grows: a new content hash for the same alert.
    set_alerts(
        [
            alert_row("a1", content_hash="a1-v2", money_at_stake=120),
            alert_row("a2", severity="warning"),
        ]
    )
    deliver_pending(warehouse, "file", sent)
    deliver_pending(warehouse, "file", sent)

    assert sent.batches == [["a1", "a2"], ["a1"]]


def test_channels_keep_their_own_state(warehouse, set_alerts):
    set_alerts([alert_row("a1")])
    file_sent, mail_sent = Collect(), Collect()

    deliver_pending(warehouse, "file", file_sent)
    deliver_pending(warehouse, "smtp:ops", mail_sent)
    deliver_pending(warehouse, "smtp:ops", mail_sent)

    assert file_sent.batches == mail_sent.batches == [["a1"]]


def test_a_resolution_goes_only_where_the_alert_went(warehouse, set_alerts):
    set_alerts([alert_row("a1")])
    told, never_told = Collect(), Collect()
    deliver_pending(warehouse, "file", told)

    set_alerts([alert_row("a1", content_hash="a1-resolved", status="resolved")])
    deliver_pending(warehouse, "file", told)
    deliver_pending(warehouse, "webhook:chat", never_told)

    assert told.batches == [["a1"], ["a1"]]
    assert never_told.batches == []


def test_an_alert_open_again_is_sent_again_though_it_reads_as_before(
    warehouse, set_alerts
):
    opened = alert_row("a1")
    sent = Collect()
    set_alerts([opened])
    deliver_pending(warehouse, "file", sent)
    set_alerts([alert_row("a1", content_hash="a1-resolved", status="resolved")])
    deliver_pending(warehouse, "file", sent)

    # Raised again as it was at first: the same content hash as the first send.
    set_alerts([opened])
    deliver_pending(warehouse, "file", sent)
    deliver_pending(warehouse, "file", sent)

    assert sent.batches == [["a1"], ["a1"], ["a1"]]


def test_a_failed_send_is_tried_again_next_time(warehouse, set_alerts):
    set_alerts([alert_row("a1")])

    def broken(alerts):
        raise ConnectionRefusedError("server down")

    with pytest.raises(ConnectionRefusedError):
        deliver_pending(warehouse, "file", broken)
    sent = Collect()
    deliver_pending(warehouse, "file", sent)

    assert sent.batches == [["a1"]]


def test_a_failed_run_is_reported_when_the_warehouse_cannot_be_read(tmp_path, caplog):
    # The run may have failed because its database was missing or locked: the
    # failed-run alert goes out anyway, unrecorded, and is sent again next time.
    missing = tmp_path / "no-such-warehouse.duckdb"
    failed = Alert.adhoc(
        "pipeline_failure", "critical", "DAG d run r", "load failed", keys=("d", "r")
    )
    sent = Collect()

    deliver_pending(missing, "file", sent, extra_alerts=[failed])
    deliver_pending(missing, "file", sent, extra_alerts=[failed])

    assert sent.batches == [[failed.alert_id], [failed.alert_id]]
    assert "could not be read" in caplog.text and "may be sent again" in caplog.text
    assert not missing.exists()
    with pytest.raises(FileNotFoundError, match="warehouse file not found"):
        deliver_pending(missing, "file", sent)


def test_min_severity_leaves_warnings_out(warehouse, set_alerts):
    set_alerts([alert_row("a1"), alert_row("a2", severity="warning")])
    sent = Collect()

    deliver_pending(warehouse, "smtp:pager", sent, min_severity="critical")

    assert sent.batches == [["a1"]]


class RecordingLogger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warning(self, message: str, *args) -> None:
        self.lines.append(message % args)


def test_file_notifier_writes_json_lines_and_one_log_line(
    warehouse, set_alerts, tmp_path, monkeypatch
):
    from vendor_recon.alerts import notifiers

    log = RecordingLogger()
    monkeypatch.setattr(notifiers, "logger", log)
    set_alerts([alert_row("a1"), alert_row("a2", severity="warning")])
    folder = tmp_path / "alerts"
    notifier = notifiers.FileAlertNotifier(warehouse_path=warehouse, directory=folder)

    notifier({})
    notifier({})

    [path] = folder.glob("alerts-*.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["alert_id"], r["severity"], r["money_at_stake"]) for r in records] == [
        ("a1", "critical", "100.0000"),
        ("a2", "warning", "100.0000"),
    ]
    assert log.lines == [
        "vendor-recon: 2 new or changed alert(s), 1 critical (acme-na); "
        f"written to {path}"
    ]
