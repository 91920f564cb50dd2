"""Amazon's invoice view lands whole: every header, every line page, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from sp_api.auth import access_token_client

from vendor_recon.config import load_accounts
from vendor_recon.landing import LandingWriter
from vendor_recon.simulator import finance_api
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources import finance_invoices
from vendor_recon.sources.windows import Window
from vendor_recon.spapi.client import AccountApi, RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.ratelimit import RateLimiters

START = datetime(2026, 9, 1, tzinfo=UTC)
END = START + timedelta(days=40)


@pytest.fixture(scope="module")
def world():
    return generate_world(11, START, END, accounts=default_accounts(), orders_per_day=3)


@pytest.fixture
def account(repo):
    accounts = load_accounts(repo / "config" / "accounts.yml")
    return next(a for a in accounts if a.account_id == "acme-na")


def test_every_invoice_lands_with_all_line_pages(world, account, tmp_path, monkeypatch):
    # Small pages on both levels, so that both kinds of paging are exercised.
    monkeypatch.setattr(finance_api, "HEADERS_PAGE_SIZE", 3)
    monkeypatch.setattr(finance_api, "LINE_ITEMS_PAGE_SIZE", 2)
    access_token_client.cache.clear()
    expected = {
        invoice.header["invoiceIdentifier"]: invoice
        for invoice in world.finance_invoices_as_of("acme-na", END)
    }
    assert len(expected) >= 5
    assert any(len(invoice.items) > 2 for invoice in expected.values())
    simulated = world.account("acme-na")
    with SimulatorServer(world, clock=END, rate_limits=False) as server:
        api = AccountApi(
            account,
            SpApiCredentials(
                simulated.lwa_client_id,
                simulated.lwa_client_secret,
                simulated.refresh_token,
                server.url,
                f"{server.url}/auth/o2/token",
            ),
            policy=RetryPolicy(attempts=2, initial_wait_s=0.01),
            limiters=RateLimiters(),
        )
        with LandingWriter(
            tmp_path, account, "finance_invoices", "t1", datetime.now(UTC)
        ) as writer:
            stats = finance_invoices.extract(api, Window(START, END), writer)
            landed = writer.commit()
    assert stats.quarantined == 0
    table = pq.read_table(landed.path).to_pylist()
    by_key: dict[str, dict] = {}
    for row in table:
        by_key.setdefault(row["document_key"], row)
    assert set(by_key) == set(expected)
    import json

    for key, row in by_key.items():
        document = json.loads(row["payload"], parse_float=Decimal)
        assert document["invoiceHeader"] == expected[key].header
        assert document["invoiceItems"] == expected[key].items
