"""Rate limits, planned faults, and a server that starts fast and stops clean."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from vendor_recon.simulator.faults import FaultPlan, Throttle, Unavailable
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.validation import validate_response

ORDERS = "/vendor/orders/v1/purchaseOrders"
QUOTA_EXCEEDED = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


def burst(http, server, token, count, path=f"{ORDERS}/NOSUCHPO"):
    return [
        http.get(server.url + path, headers={"x-amz-access-token": token})
        for _ in range(count)
    ]


def test_the_rate_limiter_answers_429_after_the_burst(small_world, http, get_token):
    with SimulatorServer(small_world) as server:
        token = get_token(server, small_world.accounts[0])
        responses = burst(http, server, token, 14)
        statuses = [r.status_code for r in responses]
        # getPurchaseOrder: burst 10, then 10 a second; 404 is an answer too.
        assert statuses[:10] == [404] * 10
        assert 429 in statuses[10:]
        throttled = next(r for r in responses if r.status_code == 429)
        assert throttled.json() == QUOTA_EXCEEDED
        validate_response("getPurchaseOrder", 429, throttled.json())
        assert throttled.headers["x-amzn-RateLimit-Limit"] == "10.0"

        # Buckets are per account and per operation.
        other = get_token(server, small_world.accounts[1])
        assert burst(http, server, other, 1)[0].status_code == 404
        window = {
            "createdAfter": "2025-03-03T00:00:00Z",
            "createdBefore": "2025-03-04T00:00:00Z",
        }
        listed = http.get(
            server.url + ORDERS, params=window, headers={"x-amz-access-token": token}
        )
        assert listed.status_code == 200

        time.sleep(0.25)
        assert burst(http, server, token, 1)[0].status_code == 404


def test_rate_limits_can_be_switched_off(small_world, http, get_token):
    with SimulatorServer(small_world, rate_limits=False) as server:
        token = get_token(server, small_world.accounts[0])
        assert {r.status_code for r in burst(http, server, token, 25)} == {404}


def test_a_fault_plan_forces_429s_and_503s(small_world, http, get_token):
    plan = FaultPlan(
        [
            Throttle("getPurchaseOrder", times=2, rate_limit_header=False),
            Throttle("getPurchaseOrder", times=1, after=2),
            Unavailable("getPurchaseOrdersStatus", after=1),
        ]
    )
    with SimulatorServer(small_world, faults=plan, rate_limits=False) as server:
        token = get_token(server, small_world.accounts[0])
        first, second, third, fourth = burst(http, server, token, 4)
        for response in (first, second):
            assert response.status_code == 429
            assert response.json() == QUOTA_EXCEEDED
            assert "x-amzn-RateLimit-Limit" not in response.headers
            assert response.headers["x-amzn-RequestId"]
        assert third.status_code == 429
        assert third.headers["x-amzn-RateLimit-Limit"] == "10.0"
        assert fourth.status_code == 404
        assert plan.served("getPurchaseOrder") == 3

        status_path = "/vendor/orders/v1/purchaseOrdersStatus"
        params = {
            "purchaseOrderNumber": small_world.purchase_orders[0].purchase_order_number
        }
        answers = [
            http.get(
                server.url + status_path,
                params=params,
                headers={"x-amz-access-token": token},
            )
            for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [200, 503, 200]
        assert answers[1].content == b""
        assert plan.served("getPurchaseOrdersStatus") == 1
        logged = [
            entry.status for entry in server.request_log if entry.path == status_path
        ]
        assert logged == [200, 503, 200]


def test_start_is_fast_and_stop_leaves_nothing_behind(small_world, http):
    threads_before = set(threading.enumerate())
    began = time.monotonic()
    server = SimulatorServer(small_world).start()
    assert time.monotonic() - began < 1.0
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert http.get(server.url + "/_simulator/clock").status_code == 200
    server.stop()
    assert set(threading.enumerate()) == threads_before
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/_simulator/clock", timeout=1)
    with pytest.raises(RuntimeError, match="not been started"):
        _ = SimulatorServer(small_world).url
