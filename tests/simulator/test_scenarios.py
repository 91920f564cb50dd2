"""A hand-written scenario folder served instead of a generated world."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from vendor_recon.simulator.contracts import report_problems
from vendor_recon.simulator.scenarios import ScenarioError, ScenarioWorld
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.validation import validate_response

EXAMPLE = Path(__file__).parent / "scenarios" / "restated_week"
ORDERS = "/vendor/orders/v1"
REPORTS = "/reports/2021-06-30"
WEEK_10 = {
    "reportType": "GET_VENDOR_SALES_REPORT",
    "marketplaceIds": ["ATVPDKIKX0DER"],
    "reportOptions": {
        "reportPeriod": "WEEK",
        "distributorView": "MANUFACTURING",
        "sellingProgram": "RETAIL",
    },
    "dataStartTime": "2025-03-02T00:00:00Z",
    "dataEndTime": "2025-03-08T00:00:00Z",
}


@pytest.fixture(scope="module")
def scenario() -> ScenarioWorld:
    return ScenarioWorld.from_folder(EXAMPLE)


@pytest.fixture(scope="module")
def server(scenario):
    with SimulatorServer(scenario, rate_limits=False) as running:
        yield running


@pytest.fixture
def headers(server, scenario, http, get_token):
    return {"x-amz-access-token": get_token(server, scenario.accounts[0])}


def at(server, text: str) -> None:
    server.set_clock(datetime.fromisoformat(text).replace(tzinfo=UTC))


def test_the_example_loads(scenario):
    assert [a.account_id for a in scenario.accounts] == ["acme-na"]
    assert scenario.default_clock == datetime(2025, 3, 20, tzinfo=UTC)
    assert len(scenario.orders["acme-na"]) == 5
    assert len(scenario.statuses["acme-na"]) == 5
    assert len(scenario.finance["acme-na"]) == 2
    assert [f.day.isoformat() for f in scenario.inbox] == ["2025-03-07", "2025-03-11"]


@pytest.mark.parametrize(
    ("clock", "state", "first_amount", "visible"),
    [
        ("2025-03-03T09:00:00", "New", 24, 1),
        ("2025-03-05T15:00:00", "Acknowledged", 24, 2),
        ("2025-03-07T00:00:00", "Acknowledged", 20, 2),
        ("2025-03-20T00:00:00", "Closed", 20, 2),
    ],
)
def test_the_clock_picks_the_version_of_each_order(
    server, http, headers, clock, state, first_amount, visible
):
    at(server, clock)
    answer = http.get(
        f"{server.url}{ORDERS}/purchaseOrders",
        params={
            "createdAfter": "2025-03-01T00:00:00Z",
            "createdBefore": "2025-03-08T00:00:00Z",
        },
        headers=headers,
    )
    validate_response("getPurchaseOrders", 200, answer.json())
    orders = answer.json()["payload"]["orders"]
    assert len(orders) == visible
    (order,) = [o for o in orders if o["purchaseOrderNumber"] == "2B7LS3QX"]
    assert order["purchaseOrderState"] == state
    item = order["orderDetails"]["items"][0]
    assert item["orderedQuantity"]["amount"] == first_amount

    single = http.get(f"{server.url}{ORDERS}/purchaseOrders/2B7LS3QX", headers=headers)
    assert single.json()["payload"] == order


def test_statuses_follow_the_clock_and_filters(server, http, headers):
    def statuses(**params):
        answer = http.get(
            f"{server.url}{ORDERS}/purchaseOrdersStatus", params=params, headers=headers
        )
        validate_response("getPurchaseOrdersStatus", 200, answer.json())
        return answer.json()["payload"]["ordersStatus"]

    at(server, "2025-03-07T00:00:00")
    (open_po,) = statuses(purchaseOrderNumber="2B7LS3QX")
    assert open_po["purchaseOrderStatus"] == "OPEN"
    at(server, "2025-03-20T00:00:00")
    (closed,) = statuses(purchaseOrderNumber="2B7LS3QX")
    assert closed["purchaseOrderStatus"] == "CLOSED"
    assert closed["itemStatus"][1]["receivingStatus"]["receivedQuantity"] == {
        "amount": 3,
        "unitOfMeasure": "Cases",
        "unitSize": 6,
    }
    updated = statuses(
        updatedAfter="2025-03-10T00:00:00Z", updatedBefore="2025-03-17T00:00:00Z"
    )
    assert [s["purchaseOrderNumber"] for s in updated] == ["2B7LS3QX"]


def report(server, http, headers, body) -> tuple[dict, dict | None]:
    report_id = http.post(
        f"{server.url}{REPORTS}/reports", json=body, headers=headers
    ).json()["reportId"]
    for _ in range(3):
        answer = http.get(f"{server.url}{REPORTS}/reports/{report_id}", headers=headers)
    status = answer.json()
    if "reportDocumentId" not in status:
        return status, None
    meta = http.get(
        f"{server.url}{REPORTS}/documents/{status['reportDocumentId']}",
        headers=headers,
    ).json()
    raw = http.get(meta["url"]).content
    if meta.get("compressionAlgorithm"):
        raw = gzip.decompress(raw)
    return status, json.loads(raw, parse_float=Decimal)


def test_report_documents_come_from_the_folder_as_of_the_clock(server, http, headers):
    at(server, "2025-03-11T00:00:00")
    status, document = report(server, http, headers, WEEK_10)
    assert status["processingStatus"] == "FATAL"
    assert "asked too early" in document["errorDetails"]

    at(server, "2025-03-13T00:00:00")
    _, published = report(server, http, headers, WEEK_10)
    at(server, "2025-03-20T00:00:00")
    _, restated = report(server, http, headers, WEEK_10)
    for document in (published, restated):
        assert report_problems("vendorSalesReport.json", document) == []
    assert published["reportSpecification"]["lastUpdatedDate"] == "2025-03-12"
    assert restated["reportSpecification"]["lastUpdatedDate"] == "2025-03-16"
    assert published["salesAggregate"][0]["customerReturns"] == 1
    assert restated["salesAggregate"][0]["customerReturns"] == 5
    # Exact money: the folder's numbers come back digit for digit.
    amount = restated["salesByAsin"][0]["shippedRevenue"]["amount"]
    assert amount == Decimal("759.62")


def test_what_the_folder_lacks_is_cancelled(server, http, headers):
    at(server, "2025-03-20T00:00:00")
    traffic = {
        **WEEK_10,
        "reportType": "GET_VENDOR_TRAFFIC_REPORT",
        "reportOptions": {"reportPeriod": "WEEK"},
    }
    status, document = report(server, http, headers, traffic)
    assert status["processingStatus"] == "CANCELLED" and document is None
    inventory = {**WEEK_10, "reportType": "GET_VENDOR_INVENTORY_REPORT"}
    status, document = report(server, http, headers, inventory)
    assert status["processingStatus"] == "DONE"
    assert document["inventoryAggregate"][0]["openPurchaseOrderUnits"] == 38


def test_broken_folders_are_refused_with_the_file_named(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE, broken)
    orders = broken / "acme-na" / "orders.json"
    documents = json.loads(orders.read_text())
    del documents[1]["purchaseOrderState"]
    orders.write_text(json.dumps(documents))
    with pytest.raises(ScenarioError, match=r"orders.json\[1\] is no Order"):
        ScenarioWorld.from_folder(broken)

    shutil.rmtree(broken)
    shutil.copytree(EXAMPLE, broken)
    sales = broken / "acme-na" / "reports" / "GET_VENDOR_SALES_REPORT" / "2025-W10.json"
    sales.write_text(sales.read_text().replace('"shippedUnits"', '"shipped"'))
    with pytest.raises(ScenarioError, match=r"2025-W10\.json"):
        ScenarioWorld.from_folder(broken)


def test_other_files_are_read_through_the_hook(tmp_path):
    folder = tmp_path / "with-notes"
    shutil.copytree(EXAMPLE, folder)
    (folder / "acme-na" / "notes").mkdir()
    (folder / "acme-na" / "notes" / "claims.json").write_text(
        '[{"claim": "C-1", "amount": 1263.70}]'
    )
    world = ScenarioWorld.from_folder(folder)
    claims = world.account_file("acme-na", "notes/claims.json")
    assert claims == [{"claim": "C-1", "amount": Decimal("1263.70")}]
    assert world.account_file("acme-na", "notes/missing.json") is None


def test_the_cli_serves_a_scenario():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "vendor_recon.simulator", "--world", "scenario"]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and code)
        [*command, "--scenario", str(EXAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith(
            "SP-API simulator (scenario world) at http://127.0.0.1:"
        )
        url = first.rsplit(" ", 1)[-1].strip()
        clock = httpx.get(f"{url}/_simulator/clock", timeout=5).json()
        assert clock == {"now": "2025-03-20T00:00:00Z"}
    finally:
        process.terminate()
        process.wait(timeout=10)
