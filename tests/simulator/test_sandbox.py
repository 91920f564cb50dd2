"""The sandbox world answers Amazon's own static examples through the server."""

from __future__ import annotations

import pytest

from vendor_recon.simulator.model import SERVED_OPERATIONS
from vendor_recon.simulator.sandbox import SandboxWorld, sandbox_examples
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.validation import ResponseValidationError, validate_response

PATHS = {
    "getPurchaseOrders": "/vendor/orders/v1/purchaseOrders",
    "getPurchaseOrdersStatus": "/vendor/orders/v1/purchaseOrdersStatus",
}
# Amazon's own examples that break Amazon's own model, served as they are.
MODEL_DEFECTS = {
    ("getPurchaseOrders", 0): "'CASES' is not one of",
    ("getPurchaseOrders", 6): "'purchaseOrderState' is a required property",
    ("getPurchaseOrder", 1): "'purchaseOrderState' is a required property",
}


@pytest.fixture(scope="module")
def sandbox_server():
    with SimulatorServer(SandboxWorld(), rate_limits=False) as running:
        yield running


def test_every_operation_has_examples():
    counts = {name: len(sandbox_examples(name)) for name in SERVED_OPERATIONS}
    assert counts == {
        "getPurchaseOrders": 8,
        "getPurchaseOrder": 3,
        "getPurchaseOrdersStatus": 5,
    }
    first = sandbox_examples("getPurchaseOrders")[0]
    assert first.status_code == 200
    assert first.parameters["limit"] == "2"


def request_for(operation_id: str, parameters: dict[str, str]) -> tuple[str, dict]:
    parameters = dict(parameters)
    if operation_id == "getPurchaseOrder":
        number = parameters.pop("purchaseOrderNumber", "ANYPO123")
        return f"/vendor/orders/v1/purchaseOrders/{number}", parameters
    return PATHS[operation_id], parameters


@pytest.mark.parametrize("operation_id", SERVED_OPERATIONS)
def test_each_example_is_served_and_checked(
    sandbox_server, http, get_token, operation_id
):
    token = get_token(sandbox_server, sandbox_server.world.accounts[0])
    defects = {}
    for index, example in enumerate(sandbox_examples(operation_id)):
        path, params = request_for(operation_id, example.parameters)
        # The client library adds these to every GET; the sandbox ignores them.
        params |= {"MarketplaceIds": "ATVPDKIKX0DER"}
        response = http.get(
            sandbox_server.url + path,
            params=params,
            headers={"x-amz-access-token": token},
        )
        assert response.status_code == example.status_code, (index, response.text)
        assert response.json() == example.response
        assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
        try:
            validate_response(operation_id, response.status_code, response.json())
        except ResponseValidationError as exc:
            defects[(operation_id, index)] = str(exc)
    expected = {k: v for k, v in MODEL_DEFECTS.items() if k[0] == operation_id}
    assert set(defects) == set(expected)
    for key, problem in expected.items():
        assert problem in defects[key]


def test_unmatched_parameters_get_the_catch_all_example(
    sandbox_server, http, get_token
):
    token = get_token(sandbox_server, sandbox_server.world.accounts[1])
    response = http.get(
        sandbox_server.url + PATHS["getPurchaseOrdersStatus"],
        params={"createdAfter": "2020-01-01T00:00:00Z"},
        headers={"x-amz-access-token": token},
    )
    catch_all = [
        e for e in sandbox_examples("getPurchaseOrdersStatus") if not e.parameters
    ]
    assert response.status_code == 200
    assert response.json() == catch_all[0].response


def test_the_sandbox_still_wants_a_token(sandbox_server, http):
    response = http.get(sandbox_server.url + PATHS["getPurchaseOrders"])
    assert response.status_code == 403


def test_the_sandbox_has_no_ground_truth(sandbox_server, http):
    response = http.get(sandbox_server.url + "/_simulator/ground-truth")
    assert response.status_code == 404
