"""python-amazon-sp-api, unpatched, reads two pages from the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sp_api.api import VendorOrders
from sp_api.auth import AccessTokenClient
from sp_api.auth import access_token_client as token_cache
from sp_api.base.credential_provider import FromCodeCredentialProvider

from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.timestamps import iso_seconds


@dataclass(frozen=True)
class LocalMarketplace:
    """What the library reads from its Marketplaces enum."""

    endpoint: str
    marketplace_id: str
    region: str


@pytest.fixture
def library(monkeypatch):
    # The library switches endpoints on these and caches tokens module-wide.
    monkeypatch.delenv("SP_API_DEFAULT_MARKETPLACE", raising=False)
    monkeypatch.delenv("AWS_ENV", raising=False)
    token_cache.cache.clear()
    yield
    token_cache.cache.clear()


def vendor_orders(server: SimulatorServer, account) -> VendorOrders:
    token_client = type(
        "SimulatorTokenClient",
        (AccessTokenClient,),
        {
            "scheme": "http://",
            "host": f"127.0.0.1:{server.port}",
            "path": "/auth/o2/token",
        },
    )
    return VendorOrders(
        marketplace=LocalMarketplace(
            server.url, account.marketplace_id, account.region
        ),
        credentials=account.credentials,
        credential_providers=[FromCodeCredentialProvider],
        auth_token_client_class=token_client,
    )


def test_the_real_client_reads_two_pages(library, small_world):
    account = small_world.accounts[0]
    with SimulatorServer(small_world, rate_limits=False) as server:
        client = vendor_orders(server, account)
        window = {
            "createdAfter": iso_seconds(small_world.start),
            "createdBefore": iso_seconds(small_world.start + timedelta(days=3)),
            "limit": 2,
        }
        first = client.get_purchase_orders(**window)
        assert first.next_token
        second = client.get_purchase_orders(**window, nextToken=first.next_token)
        assert first.rate_limit == "10.0"

    numbers = [o["purchaseOrderNumber"] for o in first.orders + second.orders]
    expected = [
        po.purchase_order_number
        for po in small_world.purchase_orders_of(account.account_id, server.clock)
    ][:4]
    assert numbers == expected
    paths = [entry.path for entry in server.request_log]
    assert paths == ["/auth/o2/token"] + ["/vendor/orders/v1/purchaseOrders"] * 2
    # The library's MarketplaceIds rode along and were ignored.
    assert "MarketplaceIds" in server.request_log[1].query
