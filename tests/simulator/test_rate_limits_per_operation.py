"""Each operation's documented usage plan, per account, with Amazon's 429."""

from __future__ import annotations

import pytest

from vendor_recon.simulator.ratelimit import (
    USAGE_PLANS,
    RateLimiter,
    rate_limit_header,
)
from vendor_recon.simulator.server import SimulatorServer

QUOTA_EXCEEDED = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


@pytest.mark.parametrize(
    ("operation_id", "rate", "burst"),
    [
        ("getPurchaseOrders", 10.0, 10),
        ("submitAcknowledgement", 10.0, 10),
        ("SubmitShipmentConfirmations", 10.0, 10),
        ("submitInvoices", 10.0, 10),
        ("getTransaction", 10.0, 20),
        ("createReport", 0.0167, 15),
        ("getReport", 2.0, 15),
        ("getReportDocument", 0.0167, 15),
    ],
)
def test_usage_plans_are_the_documented_ones(operation_id, rate, burst):
    assert USAGE_PLANS[operation_id] == (rate, burst)
    assert rate_limit_header(operation_id) == str(rate)


@pytest.mark.parametrize(
    ("method", "path", "burst", "header"),
    [
        ("POST", "/reports/2021-06-30/reports", 15, "0.0167"),
        ("GET", "/reports/2021-06-30/reports/1", 15, "2.0"),
        ("GET", "/vendor/transactions/v1/transactions/1", 20, "10.0"),
        ("POST", "/vendor/payments/v1/invoices", 10, "10.0"),
    ],
)
def test_the_burst_then_429_per_account(
    small_world, http, get_token, method, path, burst, header
):
    with SimulatorServer(small_world) as server:
        # Time stands still for the buckets: at 10 a second one token comes
        # back every 0.1 s, which a loaded machine spends on two requests.
        server.state.rate_limiter = RateLimiter(clock=lambda: 0.0)
        token = get_token(server, small_world.accounts[0])

        def call(token):
            # Empty bodies and unknown ids: 400 and 404 are answers that count.
            return http.request(
                method,
                server.url + path,
                params={"unknownParameter": "ignored"},
                json={},
                headers={"x-amz-access-token": token},
            )

        answers = [call(token) for _ in range(burst + 1)]
        assert {a.status_code for a in answers[:burst]} <= {400, 404}
        assert all(a.headers["x-amzn-RateLimit-Limit"] == header for a in answers)
        assert answers[-1].status_code == 429
        assert answers[-1].json() == QUOTA_EXCEEDED
        # Another account has its own bucket.
        assert call(get_token(server, small_world.accounts[1])).status_code != 429
