"""Run figures from the manifests of a real extraction, checked against the server.

Each account is read from a server of its own, so that server's request log
is that account's requests alone: the figures are compared with what the
server saw and with the landed Parquet rows, never with numbers typed here.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from rich.console import Console
from sp_api.auth import access_token_client

from vendor_recon import cli, pipeline, run_figures
from vendor_recon.config import load_accounts
from vendor_recon.settings import Settings
from vendor_recon.simulator.faults import FaultPlan, Throttle, Unavailable
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.spapi.client import RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.ratelimit import RateLimiters

START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=6)
FAST = RetryPolicy(attempts=4, initial_wait_s=0.01, max_wait_s=0.05)
# Which source each SP-API path of the request log belongs to.
SOURCE_OF_PATH = (
    ("/vendor/orders/v1/purchaseOrdersStatus", "purchase_order_statuses"),
    ("/vendor/orders/v1/purchaseOrders", "purchase_orders"),
    ("/finances/invoices/", "finance_invoices"),
    ("/reports/2021-06-30/", "vendor_reports"),
)


@pytest.fixture(scope="module")
def landed(repo, tmp_path_factory):
    """NA (with a vendor report) twice and FE once, with 429s and a 503."""
    world = generate_world(4, START, END, accounts=default_accounts())
    configured = {a.account_id: a for a in load_accounts(repo / "config/accounts.yml")}
    reports = {"report_lookback_days": 0, "reports": {"GET_VENDOR_SALES_REPORT": {}}}
    na = replace(configured["acme-na"], options=reports)
    settings = replace(
        Settings.from_env(),
        snapshot_root=tmp_path_factory.mktemp("figures") / "snapshots",
        warehouse_path=tmp_path_factory.mktemp("figures") / "warehouse.duckdb",
        lookback=timedelta(days=3),
    )
    summaries, logs = [], []
    fe = replace(configured["acme-fe"], options={})
    for account in (na, na, fe):
        access_token_client.cache.clear()
        plan = FaultPlan(
            [
                Throttle("getPurchaseOrdersStatus", times=2, rate_limit_header=False),
                Unavailable("getInvoice"),
            ]
        )
        with SimulatorServer(world, clock=END, faults=plan) as server:
            simulated = world.account(account.account_id)
            summaries.append(
                pipeline.extract_account(
                    account,
                    SpApiCredentials(
                        simulated.lwa_client_id,
                        simulated.lwa_client_secret,
                        simulated.refresh_token,
                        server.url,
                        f"{server.url}/auth/o2/token",
                    ),
                    interval_start=END - timedelta(days=1),
                    interval_end=END,
                    run_id="scheduled__figures",
                    settings=settings,
                    policy=FAST,
                    limiters=RateLimiters(),
                )
            )
            logs.append((account.account_id, server.request_log))
    return settings, summaries, logs, [na, fe]


def test_figures_add_up_to_what_the_server_saw_and_what_landed(landed):
    _settings, summaries, logs, _accounts = landed
    manifests = [m for summary in summaries for m in summary["manifests"]]
    figures = {
        (row.account_id, row.source): row
        for row in run_figures.figures_from_manifests(manifests)
    }

    seen: Counter[tuple[str, str, str]] = Counter()
    for account_id, log in logs:
        for entry in log:
            source = next(
                (
                    name
                    for prefix, name in SOURCE_OF_PATH
                    if entry.path.startswith(prefix)
                ),
                None,
            )
            if source is None:  # the token endpoint, the document download
                continue
            seen[(account_id, source, "requests")] += 1
            seen[(account_id, source, "throttled")] += entry.status == 429
            # The runs succeeded, so every answer that was not a 2xx was retried.
            seen[(account_id, source, "retries")] += not 200 <= entry.status < 300
    landed_rows: Counter[tuple[str, str, str]] = Counter()
    for manifest in manifests:
        table = pq.read_table(manifest.replace(".manifest.json", ".parquet"))
        key = (table.column("account_id")[0].as_py(), table.column("source")[0].as_py())
        landed_rows[(*key, "documents")] += table.num_rows
        pages = set(
            zip(
                table.column("pull").to_pylist(),
                table.column("window_start").to_pylist(),
                table.column("page_number").to_pylist(),
                strict=True,
            )
        )
        landed_rows[(*key, "pages")] += len(pages)

    assert set(figures) == {
        ("acme-fe", "finance_invoices"),
        ("acme-fe", "purchase_order_statuses"),
        ("acme-fe", "purchase_orders"),
        ("acme-na", "finance_invoices"),
        ("acme-na", "purchase_order_statuses"),
        ("acme-na", "purchase_orders"),
        ("acme-na", "vendor_reports"),
    }
    for (account_id, source), row in figures.items():
        assert row.landings == (2 if account_id == "acme-na" else 1)
        for name in ("requests", "throttled", "retries"):
            assert getattr(row, name) == seen[(account_id, source, name)], name
        for name in ("documents", "pages"):
            assert getattr(row, name) == landed_rows[(account_id, source, name)], name
    assert figures[("acme-fe", "purchase_order_statuses")].throttled == 2
    assert figures[("acme-na", "finance_invoices")].retries == 2

    # Seconds: each source's share adds up to its account's total (rounding
    # apart), and only sources that retried spent time in backoff.
    for name in ("limiter_wait_s", "backoff_s"):
        per_account = Counter()
        for summary in summaries:
            per_account[summary["account_id"]] += summary["api"][name]
        for account_id, expected in per_account.items():
            shares = sum(
                getattr(row, name)
                for (owner, _), row in figures.items()
                if owner == account_id
            )
            assert shares == pytest.approx(expected, abs=0.01), (name, account_id)
    for row in figures.values():
        assert (row.backoff_s > 0) == (row.retries > 0)

    total = run_figures.total(list(figures.values()))
    assert total.requests == sum(n for (_, _, k), n in seen.items() if k == "requests")
    assert total.documents == sum(summary_rows(summaries))


def source_of(path: str) -> str | None:
    return next(
        (name for prefix, name in SOURCE_OF_PATH if path.startswith(prefix)), None
    )


def summary_rows(summaries):
    return (rows for summary in summaries for rows in summary["rows"].values())


def test_the_load_logs_the_figures_and_status_shows_them(
    landed, monkeypatch, capsys, caplog
):
    settings, summaries, _logs, accounts = landed
    caplog.set_level(logging.INFO, logger=run_figures.__name__)
    loaded = pipeline.load_raw(summaries, accounts, settings)
    expected = run_figures.figures_from_manifests(
        [m for summary in summaries for m in summary["manifests"]]
    )
    assert loaded["figures"] == [row.__dict__ for row in expected]
    for row in expected:
        assert (
            f"account {row.account_id}, {row.source}: {row.documents} documents"
            in caplog.text
        )

    monkeypatch.setenv("VENDOR_RECON_SNAPSHOTS", str(settings.snapshot_root))
    monkeypatch.setattr(cli, "console", Console(width=200))
    assert cli.main(["status", "--figures"]) == 0
    out = capsys.readouterr().out
    lines = {
        tuple(cell.strip() for cell in line.split("│")[1:-1])
        for line in out.splitlines()
    }
    for row in [*expected, run_figures.total(expected)]:
        cells = (
            row.account_id,
            row.source,
            *(
                f"{value:,}"
                for value in (
                    row.documents,
                    row.pages,
                    row.quarantined,
                    row.out_of_window,
                    row.requests,
                    row.throttled,
                    row.retries,
                )
            ),
            f"{row.limiter_wait_s:.1f}",
            f"{row.backoff_s:.1f}",
        )
        assert cells in lines, (cells, out)
    landing_files = sum(len(summary["manifests"]) for summary in summaries)
    assert f"latest load ({landing_files} landing files)" in out


def test_status_figures_without_landings_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VENDOR_RECON_SNAPSHOTS", str(tmp_path / "none"))
    assert cli.main(["status", "--figures"]) == 0
    assert "no landings to count" in capsys.readouterr().out
