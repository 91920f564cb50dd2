"""Reports API: lifecycle, Amazon's date and option rules, documents in the schemas."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sp_api.api import Reports
from sp_api_clients import library, local_client

from vendor_recon.simulator import report_api
from vendor_recon.simulator.contracts import report_problems, swagger_problems
from vendor_recon.simulator.report_rules import REPORT_TYPES
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import World, generate_world

__all__ = ["library"]

# A Sunday, so that the world's first week is a whole vendor week.
START = datetime(2025, 3, 2, tzinfo=UTC)
CLOCK = datetime(2025, 4, 11, tzinfo=UTC)
REPORTS = "/reports/2021-06-30"
WEEKLY_SALES = {
    "reportPeriod": "WEEK",
    "distributorView": "MANUFACTURING",
    "sellingProgram": "RETAIL",
}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(7, START, START + timedelta(days=14))


@pytest.fixture(scope="module")
def server(world):
    with SimulatorServer(world, clock=CLOCK, rate_limits=False) as running:
        yield running


@pytest.fixture
def desk(server, world, http, get_token):
    """Raw HTTP to the Reports API as acme-na, the clock reset to CLOCK."""
    server.set_clock(CLOCK)
    account = world.accounts[0]
    return ReportsOverHttp(http, server, account, get_token(server, account))


class ReportsOverHttp:
    def __init__(self, http: httpx.Client, server: SimulatorServer, account, token):
        self.http, self.server, self.account = http, server, account
        self.headers = {"x-amz-access-token": token}

    def create(self, report_type, options=None, start=None, end=None, **extra):
        body = {
            "reportType": report_type,
            "marketplaceIds": [self.account.marketplace_id],
            **extra,
        }
        if options is not None:
            body["reportOptions"] = options
        if start is not None:
            body["dataStartTime"] = start
        if end is not None:
            body["dataEndTime"] = end
        return self.http.post(
            f"{self.server.url}{REPORTS}/reports", json=body, headers=self.headers
        )

    def poll(self, report_id):
        return self.http.get(
            f"{self.server.url}{REPORTS}/reports/{report_id}", headers=self.headers
        )

    def finished(self, *args, **kwargs) -> dict:
        created = self.create(*args, **kwargs)
        assert created.status_code == 202, created.text
        for _ in range(3):
            report = self.poll(created.json()["reportId"]).json()
        return report

    def document(self, document_id) -> tuple[dict, bytes]:
        meta = self.http.get(
            f"{self.server.url}{REPORTS}/documents/{document_id}", headers=self.headers
        ).json()
        raw = self.http.get(meta["url"]).content
        if meta.get("compressionAlgorithm") == "GZIP":
            raw = gzip.decompress(raw)
        return meta, raw

    def content(self, *args, **kwargs) -> dict:
        report = self.finished(*args, **kwargs)
        assert report["processingStatus"] == "DONE", report
        _, raw = self.document(report["reportDocumentId"])
        return json.loads(raw, parse_float=Decimal)

    def fatal_reason(self, *args, **kwargs) -> str:
        report = self.finished(*args, **kwargs)
        assert report["processingStatus"] == "FATAL", report
        _, raw = self.document(report["reportDocumentId"])
        return json.loads(raw)["errorDetails"]


def day(text: str) -> str:
    return f"{text}T00:00:00Z"


REQUESTS = {
    "GET_VENDOR_SALES_REPORT": (WEEKLY_SALES, day("2025-03-02"), day("2025-03-15")),
    "GET_VENDOR_INVENTORY_REPORT": (
        {**WEEKLY_SALES, "reportPeriod": "MONTH"},
        day("2025-03-01"),
        day("2025-03-31"),
    ),
    "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT": (
        {"reportPeriod": "DAY"},
        day("2025-03-04"),
        day("2025-03-06"),
    ),
    "GET_VENDOR_TRAFFIC_REPORT": (
        {"reportPeriod": "QUARTER"},
        day("2025-01-01"),
        day("2025-03-31"),
    ),
    "GET_VENDOR_FORECASTING_REPORT": ({"sellingProgram": "RETAIL"}, None, None),
    "GET_VENDOR_REAL_TIME_INVENTORY_REPORT": (
        None,
        "2025-04-10T01:00:00Z",
        "2025-04-10T04:00:00Z",
    ),
    "GET_VENDOR_REAL_TIME_SALES_REPORT": (
        None,
        "2025-04-10T01:00:00Z",
        "2025-04-10T04:00:00Z",
    ),
    "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT": (
        None,
        "2025-04-10T01:00:00Z",
        "2025-04-10T04:00:00Z",
    ),
}


@pytest.mark.parametrize("report_type", sorted(REPORT_TYPES))
def test_every_report_type_is_done_and_matches_its_schema(desk, report_type):
    options, start, end = REQUESTS[report_type]
    document = desk.content(report_type, options, start, end)
    assert report_problems(REPORT_TYPES[report_type].schema_file, document) == []
    specification = document["reportSpecification"]
    assert specification["reportType"] == report_type
    assert specification["marketplaceIds"] == ["ATVPDKIKX0DER"]
    if options:
        assert specification["reportOptions"] == options


def test_a_report_moves_through_the_statuses_poll_by_poll(desk):
    created = desk.create("GET_VENDOR_SALES_REPORT", WEEKLY_SALES, *WEEK_10)
    assert created.status_code == 202
    assert created.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    report_id = created.json()["reportId"]
    answers = [desk.poll(report_id) for _ in range(4)]
    statuses = [a.json()["processingStatus"] for a in answers]
    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "DONE", "DONE"]
    assert answers[0].headers["x-amzn-RateLimit-Limit"] == "2.0"
    assert "reportDocumentId" not in answers[1].json()
    for answer in answers:
        assert (
            swagger_problems("reports_2021-06-30.json", "Report", answer.json()) == []
        )
    meta = desk.http.get(
        f"{desk.server.url}{REPORTS}/documents/{answers[-1].json()['reportDocumentId']}",
        headers=desk.headers,
    )
    assert meta.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert (
        swagger_problems("reports_2021-06-30.json", "ReportDocument", meta.json()) == []
    )
    assert meta.json()["url"].startswith(desk.server.url + "/")
    assert meta.json()["compressionAlgorithm"] == "GZIP"


def test_wall_time_moves_a_report_on_without_polls(desk, monkeypatch):
    monkeypatch.setattr(report_api, "STEP_S", 0.05)
    created = desk.create("GET_VENDOR_SALES_REPORT", WEEKLY_SALES, *WEEK_10)
    time.sleep(0.12)
    assert desk.poll(created.json()["reportId"]).json()["processingStatus"] == "DONE"


WEEK_10 = (day("2025-03-02"), day("2025-03-08"))


@pytest.mark.parametrize(
    ("options", "start", "end", "reason"),
    [
        (WEEKLY_SALES, day("2025-03-03"), day("2025-03-08"), "weeks start on Sunday"),
        (WEEKLY_SALES, day("2025-03-02"), day("2025-03-09"), "weeks end on Saturday"),
        (
            {**WEEKLY_SALES, "reportPeriod": "MONTH"},
            day("2025-03-01"),
            day("2025-03-30"),
            "not the last day of a MONTH",
        ),
        (
            {**WEEKLY_SALES, "reportPeriod": "QUARTER"},
            day("2025-02-01"),
            day("2025-03-31"),
            "not the first day of a QUARTER",
        ),
        (
            {**WEEKLY_SALES, "reportPeriod": "DAY"},
            day("2025-03-02"),
            day("2025-03-17"),
            "at most 15 days",
        ),
        (
            {**WEEKLY_SALES, "reportPeriod": "DAY"},
            day("2025-04-09"),
            day("2025-04-09"),
            "asked too early",
        ),
        (
            {**WEEKLY_SALES, "reportPeriod": "DAY"},
            day("2021-03-01"),
            day("2021-03-01"),
            "1460 days back",
        ),
        ({**WEEKLY_SALES, "reportPeriod": "FORTNIGHT"}, *WEEK_10, "must be one of"),
        ({"reportPeriod": "WEEK"}, *WEEK_10, "distributorView is required"),
    ],
)
def test_broken_rules_end_fatal_with_the_reason_in_a_document(
    desk, options, start, end, reason
):
    assert reason in desk.fatal_reason("GET_VENDOR_SALES_REPORT", options, start, end)


@pytest.mark.parametrize(
    ("report_type", "start", "end", "reason"),
    [
        (
            "GET_VENDOR_REAL_TIME_SALES_REPORT",
            "2025-04-10T01:30:00Z",
            "2025-04-10T03:00:00Z",
            "whole UTC hour",
        ),
        (
            "GET_VENDOR_REAL_TIME_SALES_REPORT",
            "2025-04-09T00:00:00Z",
            "2025-04-10T01:00:00Z",
            "at most 24 hours",
        ),
        (
            "GET_VENDOR_REAL_TIME_INVENTORY_REPORT",
            "2025-04-03T00:00:00Z",
            "2025-04-03T05:00:00Z",
            "7 days",
        ),
        (
            "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT",
            "2025-04-10T21:00:00Z",
            "2025-04-11T00:00:00Z",
            "60 minutes before",
        ),
    ],
)
def test_real_time_rules(desk, report_type, start, end, reason):
    assert reason in desk.fatal_reason(report_type, None, start, end)


def test_another_marketplace_is_fatal(desk):
    created = desk.http.post(
        f"{desk.server.url}{REPORTS}/reports",
        json={
            "reportType": "GET_VENDOR_TRAFFIC_REPORT",
            "marketplaceIds": ["A1PA6795UKMFR9"],
            "reportOptions": {"reportPeriod": "WEEK"},
            "dataStartTime": WEEK_10[0],
            "dataEndTime": WEEK_10[1],
        },
        headers=desk.headers,
    )
    for _ in range(3):
        report = desk.poll(created.json()["reportId"]).json()
    _, raw = desk.document(report["reportDocumentId"])
    assert "marketplace" in json.loads(raw)["errorDetails"]


def test_no_data_is_cancelled_without_a_document(desk):
    fresh = {**WEEKLY_SALES, "sellingProgram": "FRESH"}
    before_the_world = (day("2025-02-02"), day("2025-02-08"))
    for options, (start, end) in ((fresh, WEEK_10), (WEEKLY_SALES, before_the_world)):
        report = desk.finished("GET_VENDOR_SALES_REPORT", options, start, end)
        assert report["processingStatus"] == "CANCELLED"
        assert "reportDocumentId" not in report


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"reportType": "GET_VENDOR_SALES_REPORT"}, "marketplaceIds"),
        ({"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA"}, "not supported"),
        ({"dataStartTime": "2030-01-01T00:00:00Z"}, "prior to or equal"),
        ({"dataStartTime": "2025-03-08", "dataEndTime": "2025-03-02"}, "date-time"),
    ],
)
def test_invalid_requests_are_400s(desk, body, message):
    full = {
        "reportType": "GET_VENDOR_SALES_REPORT",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        **body,
    }
    if "marketplaceIds" in message:
        del full["marketplaceIds"]
    answer = desk.http.post(
        f"{desk.server.url}{REPORTS}/reports", json=full, headers=desk.headers
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "InvalidInput"
    error = answer.json()["errors"][0]
    assert message in error["message"] + error["details"]


def test_unknown_options_are_dropped_from_the_specification(desk):
    options = {**WEEKLY_SALES, "asinLevel": "YES"}
    document = desk.content(
        "GET_VENDOR_SALES_REPORT", options, *WEEK_10, unknownField="ignored"
    )
    assert document["reportSpecification"]["reportOptions"] == WEEKLY_SALES


def test_another_account_cannot_see_a_report(desk, server, world, get_token):
    report_id = desk.create("GET_VENDOR_SALES_REPORT", WEEKLY_SALES, *WEEK_10).json()
    account = world.accounts[1]
    other = ReportsOverHttp(desk.http, server, account, get_token(server, account))
    assert other.poll(report_id["reportId"]).status_code == 404


def test_a_restated_period_is_newer_and_different(desk, server):
    server.set_clock(datetime(2025, 3, 13, tzinfo=UTC))
    first = desk.content("GET_VENDOR_SALES_REPORT", WEEKLY_SALES, *WEEK_10)
    server.set_clock(datetime(2025, 4, 20, tzinfo=UTC))
    later = desk.content("GET_VENDOR_SALES_REPORT", WEEKLY_SALES, *WEEK_10)
    assert first["reportSpecification"]["lastUpdatedDate"] == "2025-03-12"
    assert later["reportSpecification"]["lastUpdatedDate"] == "2025-04-08"
    assert later["salesAggregate"] != first["salesAggregate"]
    returns = [d["salesAggregate"][0]["customerReturns"] for d in (first, later)]
    assert returns[0] < returns[1]


def test_sales_rows_add_up_and_real_time_matches_the_day(desk):
    document = desk.content(
        "GET_VENDOR_SALES_REPORT", {**WEEKLY_SALES, "reportPeriod": "DAY"}, *DAY_0406
    )
    (aggregate,) = document["salesAggregate"]
    rows = document["salesByAsin"]
    for name in ("orderedUnits", "shippedUnits", "customerReturns"):
        assert aggregate[name] == sum(row[name] for row in rows)
    assert aggregate["shippedRevenue"]["amount"] == sum(
        row["shippedRevenue"]["amount"] for row in rows
    )

    hourly = desk.content(
        "GET_VENDOR_REAL_TIME_SALES_REPORT",
        None,
        "2025-04-06T00:00:00Z",
        "2025-04-07T00:00:00Z",
    )
    assert len({row["startTime"] for row in hourly["reportData"]}) == 24
    for row in rows:
        hours = [r for r in hourly["reportData"] if r["asin"] == row["asin"]]
        assert sum(r["orderedUnits"] for r in hours) == row["orderedUnits"]


DAY_0406 = (day("2025-04-06"), day("2025-04-06"))


def test_inventory_follows_the_purchase_orders(desk, world):
    options = {**WEEKLY_SALES}
    document = desk.content("GET_VENDOR_INVENTORY_REPORT", options, *WEEK_10)
    cutoff = datetime(2025, 4, 8, tzinfo=UTC)  # the 30-day restatement of week 10
    close = datetime(2025, 3, 9, tzinfo=UTC)
    rows = {row["asin"]: row for row in document["inventoryByAsin"]}

    at_cutoff = world.ground_truth_po_lines(cutoff)
    at_close = {
        (r["purchase_order_number"], r["item_sequence_number"]): r
        for r in world.ground_truth_po_lines(close)
        if r["account_id"] == "acme-na"
    }
    for asin, row in rows.items():
        placed = [
            r
            for r in at_cutoff
            if r["account_id"] == "acme-na"
            and r["asin"] == asin
            and date(2025, 3, 2) <= r["purchase_order_date"] <= date(2025, 3, 8)
            and r["accepted_units"] is not None
        ]
        asked = sum(r["ordered_units"] + r["cancelled_units"] for r in placed)
        confirmed = sum(r["accepted_units"] for r in placed)
        if asked:
            assert row["vendorConfirmationRate"] == _rate(confirmed, asked)
        else:
            assert "vendorConfirmationRate" not in row
        filled = [r for r in placed if r["accepted_units"]]
        if filled:
            received = sum(r["received_units"] for r in filled)
            accepted = sum(r["accepted_units"] for r in filled)
            assert row["receiveFillRate"] == _rate(received, accepted)

        open_units = sum(
            max(min(r["ordered_units"], r["accepted_units"]) - r["received_units"], 0)
            for r in at_close.values()
            if r["asin"] == asin
            and r["accepted_units"] is not None
            and r["purchase_order_state"] != "Closed"
        )
        assert row["openPurchaseOrderUnits"] == open_units

    (aggregate,) = document["inventoryAggregate"]
    assert aggregate["openPurchaseOrderUnits"] == sum(
        row["openPurchaseOrderUnits"] for row in rows.values()
    )


def _rate(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


def test_document_urls_expire(desk, monkeypatch):
    monkeypatch.setattr(report_api, "URL_LIFETIME_S", 0.05)
    report = desk.finished("GET_VENDOR_SALES_REPORT", WEEKLY_SALES, *WEEK_10)
    meta = desk.http.get(
        f"{desk.server.url}{REPORTS}/documents/{report['reportDocumentId']}",
        headers=desk.headers,
    ).json()
    time.sleep(0.1)
    expired = desk.http.get(meta["url"])
    assert expired.status_code == 403
    assert b"Request has expired" in expired.content


def test_the_real_client_downloads_and_inflates_a_document(library, server, world):
    server.set_clock(CLOCK)
    client = local_client(Reports, server, world.accounts[0])
    created = client.create_report(
        reportType="GET_VENDOR_TRAFFIC_REPORT",
        reportOptions={"reportPeriod": "WEEK"},
        dataStartTime=WEEK_10[0],
        dataEndTime=WEEK_10[1],
    )
    for _ in range(3):
        report = client.get_report(created.payload["reportId"])
    assert report.payload["processingStatus"] == "DONE"
    document = client.get_report_document(
        report.payload["reportDocumentId"], download=True
    )
    assert document.payload["compressionAlgorithm"] == "GZIP"
    content = json.loads(document.payload["document"])
    assert report_problems("vendorTrafficReport.json", content) == []
    # The library's own MarketplaceIds in the body rode along and were ignored.
    assert content["reportSpecification"]["marketplaceIds"] == ["ATVPDKIKX0DER"]
