"""The Finances Invoices API 2026-06-25: model-valid bodies, windows, paging, HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from vendor_recon.simulator import finance_api
from vendor_recon.simulator.api import ApiRequest
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.validation import validate_response
from vendor_recon.simulator.world import World, generate_world

START = datetime(2025, 3, 3, tzinfo=UTC)
BASE = "/finances/invoices/2026-06-25/invoices"


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(42, START, START + timedelta(days=14))


@pytest.fixture(scope="module")
def late(world) -> datetime:
    return world.end + timedelta(days=60)


def window(world: World) -> dict[str, str]:
    return {
        "fromIssueDate": world.start.isoformat(),
        "toIssueDate": (world.start + timedelta(days=90)).isoformat(),
    }


def ask(world, account, operation_id, as_of, **params):
    params.setdefault("marketplaceId", account.marketplace_id)
    answer = world.respond(ApiRequest(operation_id, account, params, as_of))
    validate_response(operation_id, answer.status_code, answer.body)
    return answer


def all_headers(world, account, as_of, **params) -> list[dict]:
    headers, token = [], None
    while True:
        extra = {"nextToken": token} if token else {}
        answer = ask(world, account, "getInvoiceHeaders", as_of, **params, **extra)
        assert answer.status_code == 200
        assert answer.body["numOfRecords"] == len(answer.body["invoices"])
        headers += answer.body["invoices"]
        token = answer.body.get("nextToken")
        if token is None:
            return headers


def test_every_header_and_invoice_validates(world, late):
    seen_types = set()
    for account in world.accounts:
        headers = all_headers(world, account, late, **window(world))
        assert headers
        for header in headers:
            seen_types.add(header["invoiceType"])
            answer = ask(
                world,
                account,
                "getInvoice",
                late,
                invoiceIdentifier=header["invoiceIdentifier"],
            )
            assert answer.status_code == 200
            assert answer.body["invoiceHeader"] == header
            if header["invoiceType"] == "AP_INVENTORY":
                number, code = header["invoiceIdentifier"].split("~")
                assert number == header["invoiceNumber"]
                assert code in account.vendor_codes
    assert seen_types == {"AP_INVENTORY", "OTHER"}


def test_paid_invoice_carries_settlement_and_remittance_number(world, late):
    account = world.accounts[0]
    payments = {
        p.payment_number
        for p in world.settlement.payments
        if p.account_id == account.account_id
    }
    paid = [
        h
        for h in all_headers(world, account, late, **window(world))
        if h["invoiceStatus"] in ("PAID", "PARTIALLY_PAID")
    ]
    assert paid
    for header in paid:
        breakdowns = {b["breakdownType"] for b in header["invoiceSettlementBreakdowns"]}
        assert "AmountPaid" in breakdowns
        if header["invoiceStatus"] == "PARTIALLY_PAID":
            assert breakdowns & {"QuantityVarianceAmount", "PriceVariance"}
        ids = {
            i["relatedIdentifierName"]: i["relatedIdentifierValue"]
            for i in header["relatedIdentifiers"]
        }
        assert set(ids["UNIQUE_PAYMENT_IDS"]) <= payments
        assert ids["PURCHASE_ORDER_IDS"]


def test_header_paging_and_modified_after(world, late, monkeypatch):
    account = world.accounts[0]
    everything = all_headers(world, account, late, **window(world))
    monkeypatch.setattr(finance_api, "HEADERS_PAGE_SIZE", 4)
    assert all_headers(world, account, late, **window(world)) == everything

    after = world.end + timedelta(days=20)
    changed = all_headers(
        world, account, late, **window(world), invoicesModifiedAfter=after.isoformat()
    )
    assert changed and len(changed) < len(everything)
    assert all(h["lastUpdatedDate"] > after.isoformat()[:19] for h in changed)


def test_line_items_page(world, late, monkeypatch):
    account = world.accounts[0]
    header = next(
        h
        for h in all_headers(world, account, late, **window(world))
        if len(world_items(world, account, late, h)) >= 3
    )
    whole = world_items(world, account, late, header)
    monkeypatch.setattr(finance_api, "LINE_ITEMS_PAGE_SIZE", 2)
    items, token, pages = [], None, 0
    while True:
        extra = {"nextTokenForLineItems": token} if token else {}
        answer = ask(
            world,
            account,
            "getInvoice",
            late,
            invoiceIdentifier=header["invoiceIdentifier"],
            **extra,
        )
        assert answer.status_code == 200
        assert len(answer.body["invoiceItems"]) <= 2
        items += answer.body["invoiceItems"]
        pages += 1
        token = answer.body.get("nextTokenForLineItems")
        if token is None:
            break
    assert items == whole and pages >= 2


def world_items(world, account, as_of, header) -> list[dict]:
    answer = ask(
        world,
        account,
        "getInvoice",
        as_of,
        invoiceIdentifier=header["invoiceIdentifier"],
    )
    return answer.body["invoiceItems"]


@pytest.mark.parametrize(
    "params",
    [
        {
            "fromIssueDate": "2025-01-01T00:00:00Z",
            "toIssueDate": "2025-04-02T00:00:00Z",
        },
        {"fromIssueDate": "2025-03-01T00:00:00Z"},
        {
            "fromIssueDate": "2025-03-05T00:00:00Z",
            "toIssueDate": "2025-03-01T00:00:00Z",
        },
        {"marketplaceId": "A1PA6795UKMFR9"},
        {"marketplaceId": ""},
        {"nextToken": "bm90LWEtdG9rZW4="},
        {"invoicesModifiedAfter": "yesterday"},
    ],
)
def test_bad_requests_are_invalid_input(world, late, params):
    account = world.accounts[0]
    answer = ask(world, account, "getInvoiceHeaders", late, **params)
    assert answer.status_code == 400
    assert answer.body["errors"][0]["code"] == "InvalidInput"


def test_unknown_invoice_is_not_found(world, late):
    account = world.accounts[0]
    answer = ask(world, account, "getInvoice", late, invoiceIdentifier="NOPE~ACME1")
    assert answer.status_code == 404


def test_served_over_http_with_exact_amounts(world, late, http, get_token):
    account = next(a for a in world.accounts if a.currency_code == "JPY")
    with SimulatorServer(world, clock=late, rate_limits=False) as server:
        token = get_token(server, account)
        response = http.get(
            f"{server.url}{BASE}",
            params={"marketplaceId": account.marketplace_id, **window(world)},
            headers={"x-amz-access-token": token},
        )
        assert response.status_code == 200, response.text
        assert response.headers["x-amzn-RateLimit-Limit"]
        body = json.loads(response.text, parse_float=Decimal)
        validate_response("getInvoiceHeaders", 200, body)
        header = body["invoices"][0]
        amount = header["invoiceAmount"]["currencyAmount"]
        # Yen are whole: the JSON number has no fraction at all.
        assert isinstance(amount, int) and f'"currencyAmount":{amount}' in response.text

        detail = http.get(
            f"{server.url}{BASE}/{header['invoiceIdentifier']}",
            params={"marketplaceId": account.marketplace_id},
            headers={"x-amz-access-token": token},
        )
        assert detail.status_code == 200, detail.text
        validate_response(
            "getInvoice", 200, json.loads(detail.text, parse_float=Decimal)
        )

    usd = world.accounts[0]
    headers = all_headers(world, usd, late, **window(world))
    text = json.dumps(
        [h["invoiceAmount"]["currencyAmount"] for h in headers], default=str
    )
    assert "e" not in text.lower()
