"""Vendor submissions answer a transactionId; getTransaction tells how they end."""

from __future__ import annotations

import copy

import pytest
from sp_api.api import (
    VendorInvoices,
    VendorOrders,
    VendorShipments,
    VendorTransactionStatus,
)
from sp_api.base.exceptions import SellingApiBadRequestException
from sp_api_clients import library, local_client

from vendor_recon.simulator.contracts import load_model_file, swagger_problems
from vendor_recon.simulator.faults import FaultPlan, TransactionOutcome
from vendor_recon.simulator.server import SimulatorServer

__all__ = ["library"]

SUBMITS = {
    "submitAcknowledgement": (
        "vendorOrders.json",
        "/vendor/orders/v1/acknowledgements",
        "SubmitAcknowledgementResponse",
    ),
    "SubmitShipmentConfirmations": (
        "vendorShipments.json",
        "/vendor/shipping/v1/shipmentConfirmations",
        "SubmitShipmentConfirmationsResponse",
    ),
    "submitInvoices": (
        "vendorInvoices.json",
        "/vendor/payments/v1/invoices",
        "SubmitInvoicesResponse",
    ),
}
TRANSACTIONS = "/vendor/transactions/v1/transactions"


def sandbox_bodies(operation_id: str, status: str) -> list[dict]:
    """The request bodies of the model's own sandbox examples for a status."""
    model_file, path, _ = SUBMITS[operation_id]
    responses = load_model_file(model_file)["paths"][path]["post"]["responses"]
    examples = responses[status].get("x-amzn-api-sandbox", {}).get("static", [])
    bodies = [e["request"]["parameters"]["body"].get("value") for e in examples]
    return [copy.deepcopy(body) for body in bodies if body]


@pytest.fixture
def token_for(get_token):
    def headers(http, server, account) -> dict[str, str]:
        return {"x-amz-access-token": get_token(server, account)}

    return headers


def poll(http, server, headers, transaction_id, times):
    answers = [
        http.get(f"{server.url}{TRANSACTIONS}/{transaction_id}", headers=headers)
        for _ in range(times)
    ]
    for answer in answers:
        assert (
            swagger_problems(
                "vendorTransactionStatus.json", "GetTransactionResponse", answer.json()
            )
            == []
        )
    return [a.json()["payload"]["transactionStatus"] for a in answers]


@pytest.mark.parametrize("operation_id", sorted(SUBMITS))
@pytest.mark.parametrize("outcome", ["Success", "Failure", "Processing"])
def test_each_submission_ends_as_planned(
    small_world, http, token_for, operation_id, outcome
):
    model_file, path, response = SUBMITS[operation_id]
    plan = FaultPlan([TransactionOutcome(operation_id, outcome=outcome)])
    with SimulatorServer(small_world, faults=plan, rate_limits=False) as server:
        headers = token_for(http, server, small_world.accounts[0])
        (body,) = sandbox_bodies(operation_id, "202")
        submitted = http.post(server.url + path, json=body, headers=headers)
        assert submitted.status_code == 202, submitted.text
        assert swagger_problems(model_file, response, submitted.json()) == []
        assert submitted.headers["x-amzn-RateLimit-Limit"] == "10.0"
        transaction_id = submitted.json()["payload"]["transactionId"]
        statuses = poll(http, server, headers, transaction_id, 4)

    assert [s["status"] for s in statuses[:2]] == ["Processing", "Processing"]
    assert {s["transactionId"] for s in statuses} == {transaction_id}
    assert statuses[-1]["status"] == outcome
    if outcome == "Failure":
        assert statuses[-1]["errors"][0]["code"] == "DocumentRejected"
    else:
        assert "errors" not in statuses[-1]


def test_without_a_plan_the_outcome_follows_the_content(small_world, http, token_for):
    (body,) = sandbox_bodies("submitInvoices", "202")
    account = small_world.accounts[0]
    # An invoice Amazon can take: the account's vendor code and currency.
    body["invoices"][0]["remitToParty"] = {"partyId": account.vendor_codes[0]}
    body["invoices"][0]["invoiceTotal"]["currencyCode"] = account.currency_code
    ends = {}
    with SimulatorServer(small_world, rate_limits=False) as server:
        headers = token_for(http, server, account)
        for number in range(40):
            body["invoices"][0]["id"] = f"INV-{number}"
            submitted = http.post(
                server.url + SUBMITS["submitInvoices"][1], json=body, headers=headers
            ).json()["payload"]["transactionId"]
            ends[number] = poll(http, server, headers, submitted, 3)[-1]["status"]
        # The same content always ends the same way. Repeat a number Amazon
        # did not take: a taken one would now fail as a duplicate.
        number = next(n for n, end in ends.items() if end != "Success")
        body["invoices"][0]["id"] = f"INV-{number}"
        again = http.post(
            server.url + SUBMITS["submitInvoices"][1], json=body, headers=headers
        ).json()["payload"]["transactionId"]
        assert poll(http, server, headers, again, 3)[-1]["status"] == ends[number]
    assert set(ends.values()) == {"Success", "Failure", "Processing"}


@pytest.mark.parametrize("operation_id", sorted(SUBMITS))
def test_invalid_bodies_are_400s_with_the_reasons(
    small_world, http, token_for, operation_id
):
    model_file, path, response = SUBMITS[operation_id]
    invalid = sandbox_bodies(operation_id, "400") or [{SUBMITS_LIST[operation_id]: []}]
    with SimulatorServer(small_world, rate_limits=False) as server:
        headers = token_for(http, server, small_world.accounts[0])
        for body in [*invalid, {}, {SUBMITS_LIST[operation_id]: []}]:
            answer = http.post(server.url + path, json=body, headers=headers)
            assert answer.status_code == 400, body
            assert swagger_problems(model_file, response, answer.json()) == []
            error = answer.json()["errors"][0]
            assert error["code"] == "InvalidInput"
            assert error["details"].startswith("at ")
        garbage = http.post(server.url + path, content=b"{not json", headers=headers)
        assert garbage.status_code == 400


SUBMITS_LIST = {
    "submitAcknowledgement": "acknowledgements",
    "SubmitShipmentConfirmations": "shipmentConfirmations",
    "submitInvoices": "invoices",
}


def test_a_transaction_belongs_to_its_account(small_world, http, token_for):
    with SimulatorServer(small_world, rate_limits=False) as server:
        mine = token_for(http, server, small_world.accounts[0])
        theirs = token_for(http, server, small_world.accounts[1])
        (body,) = sandbox_bodies("submitAcknowledgement", "202")
        submitted = http.post(
            server.url + SUBMITS["submitAcknowledgement"][1], json=body, headers=mine
        ).json()["payload"]["transactionId"]
        url = f"{server.url}{TRANSACTIONS}/{submitted}"
        assert http.get(url, headers=theirs).status_code == 404
        assert http.get(url + "-nope", headers=mine).status_code == 404
        assert http.get(url, headers=mine).headers["x-amzn-RateLimit-Limit"] == "10.0"


def test_the_real_client_submits_and_polls(library, small_world):
    account = small_world.accounts[0]
    plan = FaultPlan([TransactionOutcome("submitInvoices", outcome="Failure")])
    with SimulatorServer(small_world, faults=plan, rate_limits=False) as server:
        (acknowledgement,) = sandbox_bodies("submitAcknowledgement", "202")
        (shipment,) = sandbox_bodies("SubmitShipmentConfirmations", "202")
        (invoice,) = sandbox_bodies("submitInvoices", "202")
        submitted = [
            local_client(VendorOrders, server, account).submit_acknowledgement(
                **acknowledgement
            ),
            local_client(
                VendorShipments, server, account
            ).submit_shipment_confirmations(**shipment),
            local_client(VendorInvoices, server, account).submit_invoices(invoice),
        ]
        status = local_client(VendorTransactionStatus, server, account)
        invoice_id = submitted[2].payload["transactionId"]
        for _ in range(3):
            answer = status.get_transaction(invoice_id)
        assert answer.payload["transactionStatus"]["status"] == "Failure"

        with pytest.raises(SellingApiBadRequestException):
            local_client(VendorInvoices, server, account).submit_invoices(
                {"invoices": [{"invoiceType": "Invoic"}]}
            )
    assert all(s.payload["transactionId"] for s in submitted)
