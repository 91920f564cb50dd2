"""Each planned fault, switched on and seen from a real client or raw httpx."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sp_api.api import Reports, VendorOrders
from sp_api.base.exceptions import (
    SellingApiBadRequestException,
    SellingApiForbiddenException,
)
from sp_api_clients import library, local_client

from vendor_recon.simulator.faults import (
    ANY_OPERATION,
    ConnectionReset,
    DocumentHeaders,
    DuplicateAcrossPages,
    EmptyPage,
    ExpireTokens,
    FaultPlan,
    HtmlError,
    NextTokenRejected,
    SlowResponse,
    TruncatedJson,
)
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.timestamps import iso_seconds
from vendor_recon.simulator.world import generate_world

__all__ = ["library"]

ORDERS = "/vendor/orders/v1/purchaseOrders"
EXPIRED = "The access token you provided has expired."


def window(world) -> dict[str, object]:
    return {
        "createdAfter": iso_seconds(world.start),
        "createdBefore": iso_seconds(world.start + timedelta(days=3)),
        "limit": 2,
    }


def serve(world, *faults):
    return SimulatorServer(world, faults=FaultPlan(list(faults)), rate_limits=False)


def orders_client(server, world) -> VendorOrders:
    return local_client(VendorOrders, server, world.accounts[0])


def numbers(response) -> list[str]:
    return [order["purchaseOrderNumber"] for order in response.orders]


def test_html_500_and_503_reach_the_client_as_html(small_world, http, get_token):
    with serve(
        small_world,
        HtmlError("getPurchaseOrders"),
        HtmlError("getPurchaseOrders", after=1, status_code=503),
    ) as server:
        headers = {"x-amz-access-token": get_token(server, small_world.accounts[0])}
        answers = [
            http.get(server.url + ORDERS, params=window(small_world), headers=headers)
            for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [500, 503, 200]
    for answer in answers[:2]:
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.text.startswith("<html>")
        assert "x-amzn-RateLimit-Limit" not in answer.headers


def test_the_library_reads_an_html_500_as_an_empty_payload(library, small_world):
    with serve(small_world, HtmlError("getPurchaseOrders")) as server:
        response = orders_client(server, small_world).get_purchase_orders(
            **window(small_world)
        )
    assert response.payload == {}


def test_a_reset_connection_is_a_network_error(library, small_world, http, get_token):
    with serve(small_world, ConnectionReset("getPurchaseOrders", times=2)) as server:
        headers = {"x-amz-access-token": get_token(server, small_world.accounts[0])}
        with pytest.raises(httpx.TransportError) as raw:
            http.get(server.url + ORDERS, params=window(small_world), headers=headers)
        client = orders_client(server, small_world)
        with pytest.raises(httpx.TransportError):
            client.get_purchase_orders(**window(small_world))
        assert numbers(client.get_purchase_orders(**window(small_world)))
        logged = [e.status for e in server.request_log if e.path == ORDERS]
    # A reset, not a timeout or an HTTP error: nothing at all was answered.
    assert isinstance(raw.value, httpx.ReadError)
    assert logged == [0, 0, 200]


def test_a_slow_answer_runs_into_the_client_timeout(small_world, get_token):
    with serve(small_world, SlowResponse("getPurchaseOrders", delay_s=0.5)) as server:
        headers = {"x-amz-access-token": get_token(server, small_world.accounts[0])}
        with httpx.Client(timeout=0.1) as impatient:
            with pytest.raises(httpx.ReadTimeout):
                impatient.get(
                    server.url + ORDERS, params=window(small_world), headers=headers
                )
            answer = impatient.get(
                server.url + ORDERS, params=window(small_world), headers=headers
            )
    assert answer.status_code == 200


def test_truncated_json_does_not_parse(library, small_world, http, get_token):
    with serve(small_world, TruncatedJson("getPurchaseOrders", times=2)) as server:
        headers = {"x-amz-access-token": get_token(server, small_world.accounts[0])}
        answer = http.get(
            server.url + ORDERS, params=window(small_world), headers=headers
        )
        response = orders_client(server, small_world).get_purchase_orders(
            **window(small_world)
        )
    assert answer.status_code == 200
    assert answer.text.startswith('{"payload"')
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    # The library swallows the broken body into an empty payload.
    assert response.payload == {}


def test_a_next_token_fails_once_then_works(library, small_world):
    with serve(small_world, NextTokenRejected("getPurchaseOrders")) as server:
        client = orders_client(server, small_world)
        first = client.get_purchase_orders(**window(small_world))
        with pytest.raises(SellingApiBadRequestException) as rejected:
            client.get_purchase_orders(
                **window(small_world), nextToken=first.next_token
            )
        second = client.get_purchase_orders(
            **window(small_world), nextToken=first.next_token
        )
    assert rejected.value.error[0]["code"] == "InvalidInput"
    assert numbers(second) and numbers(second) != numbers(first)


def test_the_same_record_on_two_pages(library, small_world):
    with serve(small_world, DuplicateAcrossPages("getPurchaseOrders")) as server:
        client = orders_client(server, small_world)
        first = client.get_purchase_orders(**window(small_world))
        second = client.get_purchase_orders(
            **window(small_world), nextToken=first.next_token
        )
    assert len(first.orders) == 3
    assert numbers(first)[-1] == numbers(second)[0]


def test_an_empty_page_that_still_has_a_next_token(library, small_world):
    with serve(
        small_world,
        EmptyPage("getPurchaseOrders"),
        EmptyPage("getPurchaseOrders", after=3),
    ) as server:
        client = orders_client(server, small_world)
        empty = client.get_purchase_orders(**window(small_world))
        first = client.get_purchase_orders(
            **window(small_world), nextToken=empty.next_token
        )
        second = client.get_purchase_orders(
            **window(small_world), nextToken=first.next_token
        )
        empty_again = client.get_purchase_orders(
            **window(small_world), nextToken=second.next_token
        )
        third = client.get_purchase_orders(
            **window(small_world), nextToken=empty_again.next_token
        )
    assert empty.orders == [] and empty.next_token
    assert empty_again.orders == [] and empty_again.next_token == second.next_token
    expected = [
        po.purchase_order_number
        for po in small_world.purchase_orders_of("acme-na", server.clock)
    ][:6]
    assert numbers(first) + numbers(second) + numbers(third) == expected


def test_every_token_expires_at_request_n(library, small_world, http, get_token):
    plan = FaultPlan([ExpireTokens(ANY_OPERATION, after=2)])
    with SimulatorServer(small_world, faults=plan, rate_limits=False) as server:
        client = orders_client(server, small_world)
        client.get_purchase_orders(**window(small_world))
        other = get_token(server, small_world.accounts[1])
        detail = f"{ORDERS}/NOSUCHPO"
        assert (
            http.get(server.url + detail, headers={"x-amz-access-token": other})
        ).status_code == 404
        with pytest.raises(SellingApiForbiddenException) as expired:
            client.get_purchase_orders(**window(small_world))
        # Every token issued before is dead, the other account's too ...
        answer = http.get(server.url + detail, headers={"x-amz-access-token": other})
        assert (
            answer.status_code == 403
            and answer.json()["errors"][0]["message"] == EXPIRED
        )
        # ... and the library, caching its token, keeps failing until refreshed.
        with pytest.raises(SellingApiForbiddenException):
            client.get_purchase_orders(**window(small_world))
        fresh = get_token(server, small_world.accounts[1])
        answer = http.get(server.url + detail, headers={"x-amz-access-token": fresh})
    assert expired.value.error[0]["message"] == EXPIRED
    assert answer.status_code == 404


@pytest.fixture(scope="module")
def report_world():
    start = datetime(2025, 3, 2, tzinfo=UTC)
    return generate_world(7, start, start + timedelta(days=7), orders_per_day=1)


def weekly_traffic(server, world):
    client = local_client(Reports, server, world.accounts[0])
    created = client.create_report(
        reportType="GET_VENDOR_TRAFFIC_REPORT",
        reportOptions={"reportPeriod": "WEEK"},
        dataStartTime="2025-03-02T00:00:00Z",
        dataEndTime="2025-03-08T00:00:00Z",
    )
    for _ in range(3):
        report = client.get_report(created.payload["reportId"])
    return client, report.payload["reportDocumentId"]


@pytest.mark.parametrize(
    ("charset", "decoded_as"), [("utf-8", "utf-8"), (None, "iso-8859-1")]
)
def test_document_charset_decides_how_the_library_decodes(
    library, report_world, charset, decoded_as
):
    plan = FaultPlan([DocumentHeaders(charset=charset)])
    clock = report_world.end + timedelta(days=10)
    with SimulatorServer(
        report_world, clock=clock, faults=plan, rate_limits=False
    ) as server:
        client, document_id = weekly_traffic(server, report_world)
        document = client.get_report_document(document_id, download=True)
    assert document.character_code == decoded_as
    assert json.loads(document.payload["document"])["trafficAggregate"]


def test_content_encoding_gzip_breaks_the_library_but_not_httpx(library, report_world):
    plan = FaultPlan([DocumentHeaders(content_encoding=True, times=2)])
    clock = report_world.end + timedelta(days=10)
    with SimulatorServer(
        report_world, clock=clock, faults=plan, rate_limits=False
    ) as server:
        client, document_id = weekly_traffic(server, report_world)
        # httpx inflates the body, then the library inflates it again.
        with pytest.raises(zlib.error):
            client.get_report_document(document_id, download=True)
        meta = client.get_report_document(document_id).payload
        raw = httpx.get(meta["url"])
        plain = httpx.get(client.get_report_document(document_id).payload["url"])
    assert raw.headers["content-encoding"] == "gzip"
    assert json.loads(raw.content)["trafficByAsin"]
    assert "content-encoding" not in plain.headers
    assert zlib.decompress(plain.content, 15 + 32) == raw.content


def test_a_download_can_be_reset_too(library, report_world):
    plan = FaultPlan([ConnectionReset("downloadReportDocument")])
    clock = report_world.end + timedelta(days=10)
    with SimulatorServer(
        report_world, clock=clock, faults=plan, rate_limits=False
    ) as server:
        client, document_id = weekly_traffic(server, report_world)
        url = client.get_report_document(document_id).payload["url"]
        with pytest.raises(httpx.TransportError):
            httpx.get(url)
        assert httpx.get(url).status_code == 200
