"""Successful submissions change what Amazon shows; rejected ones change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from vendor_recon.simulator.contracts import swagger_problems
from vendor_recon.simulator.faults import FaultPlan, TransactionOutcome
from vendor_recon.simulator.scenarios import ScenarioWorld
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.validation import validate_response
from vendor_recon.simulator.vendor_documents import eaches_of

ORDERS = "/vendor/orders/v1"
ACKNOWLEDGE = f"{ORDERS}/acknowledgements"
SHIP = "/vendor/shipping/v1/shipmentConfirmations"
INVOICE = "/vendor/payments/v1/invoices"
TRANSACTIONS = "/vendor/transactions/v1/transactions"
FINANCE = "/finances/invoices/2026-06-25/invoices"
SCENARIO = Path(__file__).parent / "scenarios" / "restated_week"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Vendor:
    """One account talking to a running simulator over HTTP."""

    def __init__(self, server, http, account, token):
        self.server, self.http, self.account = server, http, account
        self.headers = {"x-amz-access-token": token}

    def get(self, path: str, operation_id: str, **params) -> dict:
        answer = self.http.get(
            self.server.url + path, params=params, headers=self.headers
        )
        # Exact money: the Finances API writes amounts as JSON numbers.
        body = json.loads(answer.content, parse_float=Decimal)
        validate_response(operation_id, answer.status_code, body)
        return body

    def order(self, number: str) -> dict:
        path = f"{ORDERS}/purchaseOrders/{number}"
        return self.get(path, "getPurchaseOrder")["payload"]

    def status(self, number: str) -> dict:
        body = self.get(
            f"{ORDERS}/purchaseOrdersStatus",
            "getPurchaseOrdersStatus",
            purchaseOrderNumber=number,
        )
        (status,) = body["payload"]["ordersStatus"]
        return status

    def submit(self, path: str, body: dict, polls: int = 3) -> dict:
        """Submit, poll `polls` times, and return the last transaction status."""
        answer = self.http.post(self.server.url + path, json=body, headers=self.headers)
        assert answer.status_code == 202, answer.text
        transaction_id = answer.json()["payload"]["transactionId"]
        url = f"{self.server.url}{TRANSACTIONS}/{transaction_id}"
        for _ in range(polls):
            status = self.http.get(url, headers=self.headers).json()
            assert not swagger_problems(
                "vendorTransactionStatus.json", "GetTransactionResponse", status
            )
        return status["payload"]["transactionStatus"]


@pytest.fixture
def vendor_at(http, get_token):
    """A Vendor for a server's first account, the server's clock set first."""

    def make(server, clock: datetime) -> Vendor:
        server.set_clock(clock)
        account = server.world.accounts[0]
        return Vendor(server, http, account, get_token(server, account))

    return make


def new_po(world):
    """A PO of the first account with two lines or more that Amazon will see
    acknowledged by the world only a day or more after it is placed."""
    account_id = world.accounts[0].account_id
    return next(
        po
        for po in world.purchase_orders
        if po.account_id == account_id
        and len(po.lines) >= 2
        and po.acknowledged_at is not None
        and po.acknowledged_at - po.created_at > timedelta(hours=6)
    )


def acknowledgement(order: dict, at: datetime, rejected_on_last: int) -> dict:
    """Accept every line in full but the last, which has `rejected_on_last`
    units (in its own unit of measure) rejected."""
    details = order["orderDetails"]
    items = []
    for index, line in enumerate(details["items"]):
        ordered = line["orderedQuantity"]
        rejected = rejected_on_last if index == len(details["items"]) - 1 else 0
        answers = [
            {
                "acknowledgementCode": "Accepted",
                "acknowledgedQuantity": {
                    **ordered,
                    "amount": ordered["amount"] - rejected,
                },
            }
        ]
        if rejected:
            answers.append(
                {
                    "acknowledgementCode": "Rejected",
                    "acknowledgedQuantity": {**ordered, "amount": rejected},
                    "rejectionReason": "TemporarilyUnavailable",
                }
            )
        items.append(
            {
                "itemSequenceNumber": line["itemSequenceNumber"],
                "amazonProductIdentifier": line["amazonProductIdentifier"],
                "vendorProductIdentifier": line["vendorProductIdentifier"],
                "orderedQuantity": ordered,
                "netCost": line["netCost"],
                "itemAcknowledgements": answers,
            }
        )
    return {
        "acknowledgements": [
            {
                "purchaseOrderNumber": order["purchaseOrderNumber"],
                "sellingParty": details["sellingParty"],
                "acknowledgementDate": iso(at),
                "items": items,
            }
        ]
    }


def succeed(operation_id: str, times: int = 1) -> FaultPlan:
    return FaultPlan([TransactionOutcome(operation_id, outcome="Success", times=times)])


def test_an_accepted_acknowledgement_acknowledges_the_po(small_world, vendor_at):
    po = new_po(small_world)
    clock = po.created_at + timedelta(hours=1)
    with SimulatorServer(
        small_world, rate_limits=False, faults=succeed("submitAcknowledgement")
    ) as server:
        vendor = vendor_at(server, clock)
        before = vendor.order(po.purchase_order_number)
        assert before["purchaseOrderState"] == "New"
        body = acknowledgement(before, clock - timedelta(minutes=5), 1)
        # Not polled yet: Processing, and Amazon shows nothing new.
        assert vendor.submit(ACKNOWLEDGE, body, polls=1)["status"] == "Processing"
        assert vendor.order(po.purchase_order_number) == before

        server.set_clock(clock + timedelta(minutes=5))
        after = vendor.order(po.purchase_order_number)
        status = vendor.status(po.purchase_order_number)
        listed = vendor.get(
            f"{ORDERS}/purchaseOrdersStatus",
            "getPurchaseOrdersStatus",
            updatedAfter=iso(clock),
            updatedBefore=iso(clock + timedelta(minutes=5)),
            itemConfirmationStatus="PARTIALLY_ACCEPTED",
        )["payload"]["ordersStatus"]
        acknowledged = vendor.get(
            f"{ORDERS}/purchaseOrders",
            "getPurchaseOrders",
            createdAfter=iso(po.created_at - timedelta(seconds=1)),
            createdBefore=iso(clock),
            purchaseOrderState="Acknowledged",
        )["payload"]["orders"]

        server.set_clock(clock - timedelta(seconds=1))
        hidden = vendor.order(po.purchase_order_number)

    assert after["purchaseOrderState"] == "Acknowledged"
    assert after["orderDetails"]["purchaseOrderStateChangedDate"] == iso(clock)
    assert after["orderDetails"]["items"] == before["orderDetails"]["items"]
    assert status["lastUpdatedDate"] == iso(clock).replace("Z", ".000Z")
    sent = body["acknowledgements"][0]["items"]
    for line, item in zip(sent, status["itemStatus"], strict=True):
        ordered = line["orderedQuantity"]["amount"]
        rejected = 1 if line is sent[-1] else 0
        ack = item["acknowledgementStatus"]
        assert ack["confirmationStatus"] == (
            "PARTIALLY_ACCEPTED" if rejected else "ACCEPTED"
        )
        assert ack["acceptedQuantity"]["amount"] == ordered - rejected
        assert ack["rejectedQuantity"]["amount"] == rejected
        (detail,) = ack["acknowledgementStatusDetails"]
        assert detail["acceptedQuantity"] == ack["acceptedQuantity"]
        assert item["receivingStatus"]["receiveStatus"] == "NOT_RECEIVED"
    assert [s["purchaseOrderNumber"] for s in listed] == [po.purchase_order_number]
    assert po.purchase_order_number in [o["purchaseOrderNumber"] for o in acknowledged]
    # The clock hides the submission, as it hides everything after it.
    assert hidden["purchaseOrderState"] == "New"


def test_the_later_of_two_acknowledgements_sets_the_quantities(small_world, vendor_at):
    po = new_po(small_world)
    clock = po.created_at + timedelta(hours=1)
    # The world's own acknowledgement comes later still and wins over both.
    after_world = po.acknowledged_at + timedelta(minutes=1)
    with SimulatorServer(
        small_world, rate_limits=False, faults=succeed("submitAcknowledgement", 2)
    ) as server:
        vendor = vendor_at(server, clock)
        order = vendor.order(po.purchase_order_number)
        assert vendor.submit(ACKNOWLEDGE, acknowledgement(order, clock, 1))[
            "status"
        ] == ("Success")
        server.set_clock(clock + timedelta(hours=1))
        second = acknowledgement(order, clock + timedelta(hours=1), 2)
        assert vendor.submit(ACKNOWLEDGE, second)["status"] == "Success"
        last_line = vendor.status(po.purchase_order_number)["itemStatus"][-1]
        server.set_clock(after_world)
        world_line = vendor.status(po.purchase_order_number)["itemStatus"][-1]
        state_changed = vendor.order(po.purchase_order_number)["orderDetails"][
            "purchaseOrderStateChangedDate"
        ]

    ack = last_line["acknowledgementStatus"]
    assert ack["rejectedQuantity"]["amount"] == 2
    assert [
        d["rejectedQuantity"]["amount"] for d in ack["acknowledgementStatusDetails"]
    ] == [
        2,
        1,
    ]
    world_answer = po.lines[-1].acknowledgement
    latest = world_line["acknowledgementStatus"]
    assert latest["acceptedQuantity"]["amount"] == world_answer.accepted
    assert latest["rejectedQuantity"]["amount"] == world_answer.rejected
    assert len(latest["acknowledgementStatusDetails"]) == 3
    # The PO was acknowledged when the first acknowledgement came.
    assert state_changed == iso(clock)


def test_acknowledgements_amazon_cannot_take_fail_and_change_nothing(
    small_world, vendor_at
):
    po = new_po(small_world)
    clock = po.created_at + timedelta(hours=1)
    with SimulatorServer(small_world, rate_limits=False) as server:
        vendor = vendor_at(server, clock)
        order = vendor.order(po.purchase_order_number)
        before = vendor.status(po.purchase_order_number)
        unknown = acknowledgement(order, clock, 0)
        unknown["acknowledgements"][0]["purchaseOrderNumber"] = "ZZZZ9999"
        too_many = acknowledgement(order, clock, 0)
        item = too_many["acknowledgements"][0]["items"][0]
        item["itemAcknowledgements"][0]["acknowledgedQuantity"]["amount"] += 1
        ahead = acknowledgement(order, clock + timedelta(days=1), 0)
        ends = [vendor.submit(ACKNOWLEDGE, b) for b in (unknown, too_many, ahead)]
        after = vendor.status(po.purchase_order_number)

    assert [end["status"] for end in ends] == ["Failure"] * 3
    messages = [end["errors"][0]["message"] for end in ends]
    assert "ZZZZ9999 is not one of this vendor's" in messages[0]
    assert "acknowledged of" in messages[1]
    assert "acknowledgementDate is ahead" in messages[2]
    assert after == before


def test_a_planned_failure_changes_nothing(small_world, vendor_at):
    po = new_po(small_world)
    clock = po.created_at + timedelta(hours=1)
    plan = FaultPlan([TransactionOutcome("submitAcknowledgement", outcome="Failure")])
    with SimulatorServer(small_world, rate_limits=False, faults=plan) as server:
        vendor = vendor_at(server, clock)
        order = vendor.order(po.purchase_order_number)
        end = vendor.submit(ACKNOWLEDGE, acknowledgement(order, clock, 0))
        server.set_clock(clock + timedelta(hours=1))
        assert end["status"] == "Failure"
        assert vendor.order(po.purchase_order_number)["purchaseOrderState"] == "New"


def invoice_for(order: dict, number: str, at: datetime, vendor_code: str) -> dict:
    """An invoice of every line of `order` at the PO's own costs."""
    items, total = [], Decimal(0)
    for line in order["orderDetails"]["items"]:
        cost = Decimal(line["netCost"]["amount"])
        total += eaches_of(line["orderedQuantity"]) * cost
        items.append(
            {
                "itemSequenceNumber": int(line["itemSequenceNumber"]),
                "amazonProductIdentifier": line["amazonProductIdentifier"],
                "vendorProductIdentifier": line["vendorProductIdentifier"],
                "invoicedQuantity": line["orderedQuantity"],
                "netCost": line["netCost"],
                "purchaseOrderNumber": order["purchaseOrderNumber"],
            }
        )
    code = order["orderDetails"]["items"][0]["netCost"]["currencyCode"]
    return {
        "invoices": [
            {
                "invoiceType": "Invoice",
                "id": number,
                "date": iso(at),
                "remitToParty": {"partyId": vendor_code},
                "paymentTerms": {"type": "Basic", "netDueDays": 30},
                "invoiceTotal": {"currencyCode": code, "amount": f"{total:.2f}"},
                "items": items,
            }
        ]
    }


def test_an_accepted_invoice_shows_in_the_finances_api(small_world, vendor_at):
    po = new_po(small_world)
    # Late enough for the world's own invoices of these POs to be in.
    clock = small_world.end + timedelta(days=10)
    issued = clock - timedelta(hours=2)
    window = {"fromIssueDate": iso(small_world.start), "toIssueDate": iso(clock)}
    with SimulatorServer(
        small_world, rate_limits=False, faults=succeed("submitInvoices")
    ) as server:
        vendor = vendor_at(server, clock)
        market = {"marketplaceId": vendor.account.marketplace_id}
        order = vendor.order(po.purchase_order_number)
        body = invoice_for(order, "SIM-0001", issued, po.vendor_code)
        known = vendor.get(FINANCE, "getInvoiceHeaders", **market, **window)
        assert vendor.submit(INVOICE, body)["status"] == "Success"
        headers = vendor.get(FINANCE, "getInvoiceHeaders", **market, **window)
        modified = vendor.get(
            FINANCE,
            "getInvoiceHeaders",
            **market,
            **window,
            invoicesModifiedAfter=iso(clock - timedelta(seconds=1)),
        )
        identifier = f"SIM-0001~{po.vendor_code}"
        invoice = vendor.get(f"{FINANCE}/{identifier}", "getInvoice", **market)
        again = vendor.submit(INVOICE, body)
        taken = next(h for h in known["invoices"] if h["invoiceType"] == "AP_INVENTORY")
        theirs = invoice_for(
            order, taken["invoiceNumber"], issued, taken["payee"]["partnerId"]
        )
        duplicate_of_world = vendor.submit(INVOICE, theirs)
        server.set_clock(clock - timedelta(seconds=1))
        hidden = vendor.get(FINANCE, "getInvoiceHeaders", **market, **window)

    new = [h for h in headers["invoices"] if h["invoiceIdentifier"] == identifier]
    assert len(headers["invoices"]) == len(known["invoices"]) + 1
    (header,) = new
    assert header["invoiceStatus"] == "IN_PROGRESS"
    assert header["issueDate"] == iso(issued)
    assert header["lastUpdatedDate"] == iso(clock)
    assert header["paymentTerms"] == "NET30"
    sent = body["invoices"][0]
    assert header["invoiceAmount"]["currencyAmount"] == Decimal(
        sent["invoiceTotal"]["amount"]
    )
    assert [h["invoiceIdentifier"] for h in modified["invoices"]] == [identifier]
    assert invoice["invoiceHeader"] == header
    for line, item in zip(sent["items"], invoice["invoiceItems"], strict=True):
        eaches = eaches_of(line["invoicedQuantity"])
        assert item["quantity"] == eaches
        cost = Decimal(line["netCost"]["amount"])
        assert item["totalAmount"]["currencyAmount"] == eaches * cost
    assert again["status"] == "Failure"
    assert "used already" in again["errors"][0]["message"]
    assert duplicate_of_world["status"] == "Failure"
    assert identifier not in [h["invoiceIdentifier"] for h in hidden["invoices"]]


def test_a_shipment_confirmation_changes_no_read_api(small_world, vendor_at):
    po = new_po(small_world)
    clock = po.acknowledged_at + timedelta(hours=1)
    with SimulatorServer(
        small_world, rate_limits=False, faults=succeed("SubmitShipmentConfirmations")
    ) as server:
        vendor = vendor_at(server, clock)
        order, status = (
            vendor.order(po.purchase_order_number),
            vendor.status(po.purchase_order_number),
        )
        shipped = [
            {
                "itemSequenceNumber": line["itemSequenceNumber"],
                "amazonProductIdentifier": line["amazonProductIdentifier"],
                "shippedQuantity": line["orderedQuantity"],
                "itemDetails": {"purchaseOrderNumber": po.purchase_order_number},
            }
            for line in order["orderDetails"]["items"]
        ]
        body = {
            "shipmentConfirmations": [
                {
                    "shipmentIdentifier": "SIM-ASN-1",
                    "shipmentConfirmationType": "Original",
                    "shipmentConfirmationDate": iso(clock),
                    "sellingParty": {"partyId": po.vendor_code},
                    "shipFromParty": {"partyId": f"{po.vendor_code}WH"},
                    "shipToParty": {"partyId": po.ship_to_party_id},
                    "shippedItems": shipped,
                }
            ]
        }
        assert vendor.submit(SHIP, body)["status"] == "Success"
        assert vendor.order(po.purchase_order_number) == order
        assert vendor.status(po.purchase_order_number) == status


def test_a_scenario_po_is_acknowledged_too(vendor_at):
    scenario = ScenarioWorld.from_folder(SCENARIO)
    clock = datetime(2025, 3, 6, tzinfo=UTC)
    with SimulatorServer(
        scenario, rate_limits=False, faults=succeed("submitAcknowledgement")
    ) as server:
        vendor = vendor_at(server, clock)
        order = vendor.order("4KT9MR2D")
        assert order["purchaseOrderState"] == "New"
        assert vendor.submit(ACKNOWLEDGE, acknowledgement(order, clock, 0))[
            "status"
        ] == ("Success")
        acknowledged = vendor.order("4KT9MR2D")
        (item,) = vendor.status("4KT9MR2D")["itemStatus"]

    assert acknowledged["purchaseOrderState"] == "Acknowledged"
    assert item["acknowledgementStatus"]["confirmationStatus"] == "ACCEPTED"
    assert item["acknowledgementStatus"]["acceptedQuantity"]["amount"] == 12
