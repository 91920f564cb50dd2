"""build_digest: the daily text per account for a small, hand-made warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
from alert_rows import alert_row

from vendor_recon.alerts import build_digest

EARLIER = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def test_digest_lists_new_alerts_money_at_risk_and_this_weeks_deadlines(
    warehouse, set_alerts, today
):
    set_alerts(
        [
            alert_row("inv1", subject="invoice INV1"),
            alert_row(
                "ded1",
                kind="deduction_dispute_deadline_near",
                subject="invoice INV1SC payment P9",
                detail="deduction, shortage_claim",
                money_at_stake=Decimal("40.00"),
                deadline_date=date(2026, 11, 8),
                first_seen_at=EARLIER,
            ),
            alert_row(
                "po1",
                kind="po_line_not_received",
                severity="warning",
                subject="PO PO1 line 1",
                detail="accepted_not_received since 2026-11-04",
                money_at_stake=Decimal("25.5"),
            ),
            alert_row("old", status="resolved", first_seen_at=EARLIER),
            alert_row(
                "fe1", account_id="acme-fe", currency_code="JPY", money_at_stake=1200
            ),
            alert_row(
                "q1",
                kind="quality_failure",
                account_id=None,
                money_at_stake=None,
                currency_code=None,
            ),
        ]
    )
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            """
            create schema marts;
            create table marts.fct_po_line_reconciliation as
            select * from (values
                ('acme-na', 'PO7', '1', timestamptz '2026-11-07 12:00:00+00', 10, 4),
                ('acme-na', 'PO8', '1', timestamptz '2026-11-20 12:00:00+00', 10, 0),
                ('acme-na', 'PO9', '1', timestamptz '2026-11-06 12:00:00+00', 5, 5)
            ) as t(account_id, purchase_order_number, item_sequence_number,
                ship_window_end_at, accepted_units, shipped_units)
            """
        )

    assert build_digest(warehouse, "acme-na", today) == (
        "# acme-na: vendor-recon digest for 2026-11-05\n"
        "\n"
        "## New alerts (2)\n"
        "\n"
        "- [critical] payment_overdue: invoice INV1 (unpaid_past_due), 100.00 USD\n"
        "- [warning] po_line_not_received: PO PO1 line 1 "
        "(accepted_not_received since 2026-11-04), 25.50 USD\n"
        "\n"
        "## Money at risk (open alerts)\n"
        "\n"
        "| currency | at risk | alerts |\n"
        "| --- | ---: | ---: |\n"
        "| USD | 165.50 USD | 3 |\n"
        "\n"
        "## Deadlines this week (2026-11-05 to 2026-11-11)\n"
        "\n"
        "- 2026-11-07 ship window ends: PO PO7 line 1, 6 unit(s) to ship\n"
        "- 2026-11-08 deduction_dispute_deadline_near: invoice INV1SC payment P9, "
        "40.00 USD\n"
        "\n"
        "## All accounts\n"
        "\n"
        "1 open data-quality alert(s) concern every account.\n"
    )


def test_yen_has_no_decimals_and_an_empty_day_says_so(warehouse, set_alerts, today):
    set_alerts(
        [
            alert_row(
                "fe1",
                account_id="acme-fe",
                currency_code="JPY",
                money_at_stake=Decimal("1200"),
                first_seen_at=EARLIER,
            )
        ]
    )

    text = build_digest(warehouse, "acme-fe", today)

    assert "## New alerts (0)\n\nNone.\n" in text
    assert "| JPY | 1,200 JPY | 1 |" in text
    assert "## Deadlines this week (2026-11-05 to 2026-11-11)\n\nNone.\n" in text


def test_a_po_past_its_ship_window_is_one_entry_with_its_lines_in_detail(
    warehouse, set_alerts, today
):
    # PO5 misses its window on 30 lines, PO6 on one; units, money and windows
    # differ per line so that the sums and the minimum are the digest's own.
    po5 = [
        {
            "item": str(n),
            "money": Decimal(n) * Decimal("1.25"),
            "window": date(2026, 11, 4) - timedelta(days=n % 3),
            "accepted": 10 + n,
            "shipped": n % 4,
        }
        for n in range(1, 31)
    ]
    missed = [
        alert_row(
            f"po5-{line['item']}",
            kind="po_not_shipped_by_ship_window",
            subject=f"PO PO5 line {line['item']}",
            detail="late_or_missing_asn",
            purchase_order_number="PO5",
            item_sequence_number=line["item"],
            money_at_stake=line["money"],
        )
        for line in po5
    ]
    missed.append(
        alert_row(
            "po6-1",
            kind="po_not_shipped_by_ship_window",
            severity="warning",
            subject="PO PO6 line 1",
            detail="accepted_not_shipped since 2026-11-02",
            purchase_order_number="PO6",
            item_sequence_number="1",
            money_at_stake=Decimal("7.00"),
        )
    )
    set_alerts([*missed, alert_row("inv1", subject="invoice INV1")])
    mart_rows = [
        ("PO5", line["item"], line["window"], line["accepted"], line["shipped"])
        for line in po5
    ] + [("PO6", "1", date(2026, 11, 2), 3, 0)]
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "create schema marts; create table marts.fct_po_line_reconciliation ("
            " account_id varchar, purchase_order_number varchar,"
            " item_sequence_number varchar, ship_window_end_at timestamptz,"
            " accepted_units integer, shipped_units integer)"
        )
        connection.executemany(
            "insert into marts.fct_po_line_reconciliation values"
            " ('acme-na', ?, ?, cast(? as timestamptz) + interval 12 hour, ?, ?)",
            mart_rows,
        )

    text = build_digest(warehouse, "acme-na", today)

    new_section = text.split("## New alerts")[1].split("\n## ")[0]
    units = sum(line["accepted"] - line["shipped"] for line in po5)
    money = sum(line["money"] for line in po5)
    earliest = min(line["window"] for line in po5)
    assert new_section.splitlines()[2:] == [
        "- [critical] payment_overdue: invoice INV1 (unpaid_past_due), 100.00 USD",
        f"- [critical] po_not_shipped_by_ship_window: PO PO5, 30 line(s), "
        f"{units} unit(s) to ship, {money:,.2f} USD, "
        f"earliest window end {earliest.isoformat()}",
        "- [warning] po_not_shipped_by_ship_window: PO PO6, 1 line(s), "
        "3 unit(s) to ship, 7.00 USD, earliest window end 2026-11-02",
    ]
    assert text.startswith("# acme-na: vendor-recon digest for 2026-11-05\n\n")
    assert "## New alerts (32)" in text
    detail = text.split("## Detail: PO lines past their ship window\n\n")[1]
    assert sorted(detail.splitlines()) == sorted(
        [
            f"- PO PO5 line {line['item']}: late_or_missing_asn, "
            f"{line['accepted'] - line['shipped']} unit(s) to ship, "
            f"{line['money']:,.2f} USD, window end {line['window'].isoformat()}"
            for line in po5
        ]
        + [
            "- PO PO6 line 1: accepted_not_shipped since 2026-11-02, "
            "3 unit(s) to ship, 7.00 USD, window end 2026-11-02"
        ]
    )


def test_this_weeks_ship_windows_are_one_entry_per_po(warehouse, set_alerts, today):
    set_alerts([])
    # PO20: 7 lines closing on 2026-11-07, each with 3 + n units to ship;
    # PO21: one line on the same day, one a day later.
    lines = [("PO20", str(n), "2026-11-07", 10, 7 - n) for n in range(1, 8)]
    lines += [("PO21", "1", "2026-11-07", 5, 0), ("PO21", "2", "2026-11-08", 4, 1)]
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "create schema marts; create table marts.fct_po_line_reconciliation ("
            "account_id varchar, purchase_order_number varchar, "
            "item_sequence_number varchar, ship_window_end_at timestamptz, "
            "accepted_units integer, shipped_units integer)"
        )
        connection.executemany(
            "insert into marts.fct_po_line_reconciliation values "
            "('acme-na', ?, ?, cast(? as timestamptz), ?, ?)",
            lines,
        )

    text = build_digest(warehouse, "acme-na", today)

    po20_units = sum(accepted - shipped for po, _, _, accepted, shipped in lines[:7])
    assert (
        f"- 2026-11-07 ship window ends: PO PO20 7 lines (1, 2, 3, 4, 5 and 2 more), "
        f"{po20_units} unit(s) to ship\n"
        "- 2026-11-07 ship window ends: PO PO21 line 1, 5 unit(s) to ship\n"
        "- 2026-11-08 ship window ends: PO PO21 line 2, 3 unit(s) to ship\n"
    ) in text
    assert text.count("ship window ends") == 3
