"""The HTTP server over a generated world: auth, windows, filters, paging, control."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp
from vendor_recon.simulator.validation import validate_response

ORDERS = "/vendor/orders/v1/purchaseOrders"
STATUS = "/vendor/orders/v1/purchaseOrdersStatus"
OPERATION_BY_PATH = {ORDERS: "getPurchaseOrders", STATUS: "getPurchaseOrdersStatus"}
UNAUTHORIZED = {
    "errors": [
        {
            "code": "Unauthorized",
            "message": "Access to requested resource is denied.",
            "details": "",
        }
    ]
}


@pytest.fixture
def call(server, http, get_token):
    """GET an SP-API path as acme-na (or `account`); every body is checked."""
    tokens = {}

    def get(path, params=None, account=None, expect=200):
        account = account or server.world.accounts[0]
        if account.account_id not in tokens:
            tokens[account.account_id] = get_token(server, account)
        response = http.get(
            server.url + path,
            params=params or {},
            headers={"x-amz-access-token": tokens[account.account_id]},
        )
        operation_id = OPERATION_BY_PATH.get(path, "getPurchaseOrder")
        validate_response(operation_id, response.status_code, response.json())
        assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
        assert response.headers["x-amzn-RequestId"]
        assert response.status_code == expect, response.text
        return response.json()

    return get


def window(world, days=7, offset=0):
    after = world.start + timedelta(days=offset)
    return {
        "createdAfter": iso_seconds(after),
        "createdBefore": iso_seconds(after + timedelta(days=days)),
    }


def read_all(call, path, params, key):
    pages, token = [], None
    while True:
        page = call(path, params | ({"nextToken": token} if token else {}))
        pages.append(page["payload"][key])
        token = page["payload"].get("pagination", {}).get("nextToken")
        if token is None:
            return pages


# Token exchange and authorisation.


def test_token_exchange_answers_as_lwa(server, http):
    account = server.world.accounts[2]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": account.refresh_token,
        "client_id": account.lwa_client_id,
        "client_secret": account.lwa_client_secret,
    }
    response = http.post(server.url + "/auth/o2/token", data=form)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == account.refresh_token
    assert body["access_token"].startswith("Atza|")

    for bad in (
        {"refresh_token": "Atzr|nobody"},
        {"client_secret": "wrong"},
        {"client_id": server.world.accounts[0].lwa_client_id},
    ):
        response = http.post(server.url + "/auth/o2/token", data=form | bad)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert response.json()["error_description"]
    response = http.post(server.url + "/auth/o2/token", data=form | {"grant_type": "x"})
    assert response.json()["error"] == "unsupported_grant_type"


def test_the_token_says_which_account_asks(call, server):
    eu = server.world.accounts[1]
    orders = call(ORDERS, window(server.world), account=eu)["payload"]["orders"]
    assert orders
    assert {o["orderDetails"]["sellingParty"]["partyId"] for o in orders} == {"ACMEDE"}


def test_no_or_unknown_token_is_403(server, http):
    for headers in ({}, {"x-amz-access-token": "Atza|forged"}):
        response = http.get(
            server.url + ORDERS, params=window(server.world), headers=headers
        )
        assert response.status_code == 403
        assert response.json() == UNAUTHORIZED
        validate_response("getPurchaseOrders", 403, response.json())
        assert response.headers["x-amzn-RequestId"]


def test_an_expired_token_is_403(fortnight_world, http, get_token):
    with SimulatorServer(fortnight_world, token_lifetime_s=0) as short_lived:
        token = get_token(short_lived, fortnight_world.accounts[0])
        response = http.get(
            short_lived.url + ORDERS,
            params=window(fortnight_world),
            headers={"x-amz-access-token": token},
        )
    assert response.status_code == 403
    assert "expired" in response.json()["errors"][0]["message"]


def test_a_wrong_host_header_does_not_matter(call, server, http, get_token):
    token = get_token(server, server.world.accounts[0])
    response = http.get(
        server.url + ORDERS,
        params=window(server.world),
        headers={"x-amz-access-token": token, "host": "7.0.0.1:1"},
    )
    assert response.status_code == 200


# The 7-day rule and other invalid input.


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "createdAfter": "2025-03-01T00:00:00Z",
            "createdBefore": "2025-03-09T00:00:01Z",
        },
        {
            "createdAfter": "2025-03-05T00:00:00Z",
            "createdBefore": "2025-03-05T00:00:00Z",
        },
        {
            "changedAfter": "2025-03-06T00:00:00Z",
            "changedBefore": "2025-03-05T00:00:00Z",
        },
        {"createdBefore": "2025-03-05T00:00:00Z"},
        {"createdAfter": "2025-03-0500:00:00", "createdBefore": "2025-03-06T00:00:00Z"},
        {"createdAfter": "2025-03-05", "createdBefore": "2025-03-06T00:00:00Z"},
        {
            "createdAfter": "2025-03-05T00:00:00Z",
            "createdBefore": "2025-03-06T00:00:00Z",
            "limit": "101",
        },
        {
            "createdAfter": "2025-03-05T00:00:00Z",
            "createdBefore": "2025-03-06T00:00:00Z",
            "sortOrder": "UP",
        },
        {
            "createdAfter": "2025-03-05T00:00:00Z",
            "createdBefore": "2025-03-06T00:00:00Z",
            "nextToken": "bm9wZQ==",
        },
    ],
)
def test_invalid_orders_requests_are_400_invalid_input(call, params):
    body = call(ORDERS, params, expect=400)
    (error,) = body["errors"]
    assert error["code"] == "InvalidInput"
    assert error["message"]
    assert "details" in error


def test_status_needs_a_window_or_a_number(call, server):
    assert call(STATUS, {}, expect=400)["errors"][0]["code"] == "InvalidInput"
    week_and_a_bit = {
        "updatedAfter": "2025-03-01T00:00:00Z",
        "updatedBefore": "2025-03-08T00:00:01Z",
    }
    assert call(STATUS, week_and_a_bit, expect=400)["errors"][0]["code"] == (
        "InvalidInput"
    )
    po = server.world.purchase_orders_of("acme-na", server.clock)[0]
    found = call(STATUS, {"purchaseOrderNumber": po.purchase_order_number})
    assert [s["purchaseOrderNumber"] for s in found["payload"]["ordersStatus"]] == [
        po.purchase_order_number
    ]


def test_exactly_seven_days_is_allowed_and_a_lone_after_ends_now(call, server):
    call(ORDERS, window(server.world, days=7))
    six_days_ago = iso_seconds(server.clock - timedelta(days=6))
    call(STATUS, {"updatedAfter": six_days_ago})
    eight_days_ago = iso_seconds(server.clock - timedelta(days=8))
    call(STATUS, {"updatedAfter": eight_days_ago}, expect=400)


# Paging.


@pytest.mark.parametrize(
    ("path", "key"), [(ORDERS, "orders"), (STATUS, "ordersStatus")]
)
def test_paging_returns_each_document_once(call, server, path, key):
    params = window(server.world) | {"limit": "2"}
    pages = read_all(call, path, params, key)
    assert len(pages) > 2
    assert all(len(page) == 2 for page in pages[:-1])
    numbers = [d["purchaseOrderNumber"] for page in pages for d in page]
    assert len(numbers) == len(set(numbers))
    everything = call(path, window(server.world))["payload"]
    assert "pagination" not in everything
    assert numbers == [d["purchaseOrderNumber"] for d in everything[key]]


def test_a_next_token_needs_the_same_filter(call, server):
    params = window(server.world) | {"limit": "2"}
    token = call(ORDERS, params)["payload"]["pagination"]["nextToken"]
    call(ORDERS, params | {"nextToken": token, "limit": "3"})
    body = call(
        ORDERS, window(server.world, offset=1) | {"nextToken": token}, expect=400
    )
    assert body["errors"][0]["code"] == "InvalidInput"
    body = call(STATUS, window(server.world) | {"nextToken": token}, expect=400)
    assert body["errors"][0]["code"] == "InvalidInput"


def test_sort_order_follows_the_purchase_order_date(call, server):
    for path, key in ((ORDERS, "orders"), (STATUS, "ordersStatus")):
        for order in ("ASC", "DESC"):
            documents = call(path, window(server.world) | {"sortOrder": order})
            dates = [
                parse_timestamp(
                    d.get("purchaseOrderDate") or d["orderDetails"]["purchaseOrderDate"]
                )
                for d in documents["payload"][key]
            ]
            assert dates == sorted(dates, reverse=order == "DESC")


# Filters, by the documents' own fields.


def test_windows_filter_by_the_documents_dates(call, server):
    params = window(server.world, days=2, offset=3)
    after, before = (
        parse_timestamp(params[k]) for k in ("createdAfter", "createdBefore")
    )
    orders = call(ORDERS, params)["payload"]["orders"]
    expected = [
        po.purchase_order_number
        for po in server.world.purchase_orders_of("acme-na", server.clock)
        if after <= po.created_at < before
    ]
    assert [o["purchaseOrderNumber"] for o in orders] == expected

    changed = call(
        ORDERS,
        {
            "changedAfter": iso_seconds(server.world.start + timedelta(days=2)),
            "changedBefore": iso_seconds(server.world.start + timedelta(days=9)),
        },
    )["payload"]["orders"]
    assert changed
    for order in changed:
        changed_at = parse_timestamp(order["orderDetails"]["purchaseOrderChangedDate"])
        assert server.world.start + timedelta(days=2) <= changed_at


def test_order_filters(call, server):
    params = window(server.world)
    everything = call(ORDERS, params)["payload"]["orders"]
    acme2 = call(ORDERS, params | {"orderingVendorCode": "ACME2"})["payload"]["orders"]
    assert acme2
    assert acme2 == [
        o for o in everything if o["orderDetails"]["sellingParty"]["partyId"] == "ACME2"
    ]
    closed = call(ORDERS, params | {"purchaseOrderState": "Closed"})["payload"][
        "orders"
    ]
    assert closed
    assert {o["purchaseOrderState"] for o in closed} == {"Closed"}
    changed = call(ORDERS, params | {"isPOChanged": "true"})["payload"]["orders"]
    assert all("purchaseOrderChangedDate" in o["orderDetails"] for o in changed)
    cancelled = call(ORDERS, params | {"poItemState": "Cancelled"})["payload"]["orders"]
    for order in cancelled:
        assert any(
            i["orderedQuantity"]["amount"] == 0 for i in order["orderDetails"]["items"]
        )
    short = call(ORDERS, params | {"includeDetails": "false"})["payload"]["orders"]
    assert short == [
        {k: o[k] for k in ("purchaseOrderNumber", "purchaseOrderState")}
        for o in everything
    ]


def test_status_filters(call, server):
    params = window(server.world)
    everything = call(STATUS, params)["payload"]["ordersStatus"]
    for name, value, holds in [
        (
            "purchaseOrderStatus",
            "CLOSED",
            lambda s: s["purchaseOrderStatus"] == "CLOSED",
        ),
        (
            "itemConfirmationStatus",
            "REJECTED",
            lambda s: any(
                i["acknowledgementStatus"]["confirmationStatus"] == "REJECTED"
                for i in s["itemStatus"]
            ),
        ),
        (
            "itemReceiveStatus",
            "PARTIALLY_RECEIVED",
            lambda s: any(
                i.get("receivingStatus", {}).get("receiveStatus")
                == "PARTIALLY_RECEIVED"
                for i in s["itemStatus"]
            ),
        ),
        (
            "orderingVendorCode",
            "ACME1",
            lambda s: s["sellingParty"]["partyId"] == "ACME1",
        ),
    ]:
        filtered = call(STATUS, params | {name: value})["payload"]["ordersStatus"]
        assert filtered == [s for s in everything if holds(s)], name
    ship_to = everything[0]["shipToParty"]["partyId"]
    filtered = call(STATUS, params | {"shipToPartyId": ship_to})["payload"][
        "ordersStatus"
    ]
    assert {s["shipToParty"]["partyId"] for s in filtered} == {ship_to}


def test_unknown_parameters_are_ignored_but_logged(call, server):
    params = window(server.world)
    plain = call(ORDERS, params)
    noisy = call(
        ORDERS,
        params | {"MarketplaceIds": "ATVPDKIKX0DER", "createdSince": "2020-01-01"},
    )
    assert noisy == plain
    method, path, query, status = server.request_log[-1]
    assert (method, path, status) == ("GET", ORDERS, 200)
    assert query["createdSince"] == "2020-01-01"


# getPurchaseOrder.


def test_get_purchase_order(call, server):
    world = server.world
    po = world.purchase_orders_of("acme-na", server.clock)[-1]
    body = call(f"{ORDERS}/{po.purchase_order_number}")
    assert body["payload"]["purchaseOrderNumber"] == po.purchase_order_number
    call(f"{ORDERS}/NOSUCHPO", expect=404)
    # Another account's PO is not this account's to see.
    eu_po = world.purchase_orders_of("acme-eu", server.clock)[0]
    call(f"{ORDERS}/{eu_po.purchase_order_number}", expect=404)


def test_the_server_clock_hides_the_future(call, server):
    po = server.world.purchase_orders_of("acme-na", server.clock)[-1]
    before = server.clock
    try:
        server.set_clock(po.created_at - timedelta(seconds=1))
        call(f"{ORDERS}/{po.purchase_order_number}", expect=404)
        server.set_clock(po.created_at)
        call(f"{ORDERS}/{po.purchase_order_number}")
    finally:
        server.set_clock(before)


# Control endpoints.


def test_clock_and_ground_truth_endpoints(server, http):
    before = server.clock
    try:
        response = http.post(
            server.url + "/_simulator/clock", json={"now": "2025-03-10T12:00:00Z"}
        )
        assert response.json() == {"now": "2025-03-10T12:00:00Z"}
        assert http.get(server.url + "/_simulator/clock").json() == response.json()
        assert http.post(server.url + "/_simulator/clock", json={}).status_code == 400
        rows = http.get(server.url + "/_simulator/ground-truth").json()
        as_of = parse_timestamp("2025-03-10T12:00:00Z")
        assert len(rows) == len(server.world.ground_truth_po_lines(as_of))
        later = http.get(
            server.url + "/_simulator/ground-truth",
            params={"as_of": "2025-03-30T00:00:00Z"},
        ).json()
        assert len(later) > len(rows)
        first = later[0]
        assert first["ship_window_end_at"].endswith("Z")
        assert isinstance(first["po_unit_cost"], str)
    finally:
        server.set_clock(before)


# Many requests, every body checked by the `call` fixture.


def test_a_sweep_of_requests_all_validate(call, server):
    served = 0
    for account in server.world.accounts:
        for offset in range(0, 14, 2):
            for path, key in ((ORDERS, "orders"), (STATUS, "ordersStatus")):
                params = window(server.world, days=3, offset=offset) | {"limit": "3"}
                served += len(read_all(call, path, params, key))
            for po in server.world.purchase_orders_of(account.account_id, server.clock)[
                :3
            ]:
                call(f"{ORDERS}/{po.purchase_order_number}", account=account)
                served += 1
    assert served > 100
