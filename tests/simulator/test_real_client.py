"""python-amazon-sp-api, unpatched, reads two pages from the simulator."""

from __future__ import annotations

from datetime import timedelta

from sp_api.api import VendorOrders
from sp_api_clients import library, local_client

from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.timestamps import iso_seconds

__all__ = ["library"]


def test_the_real_client_reads_two_pages(library, small_world):
    account = small_world.accounts[0]
    with SimulatorServer(small_world, rate_limits=False) as server:
        client = local_client(VendorOrders, server, account)
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
