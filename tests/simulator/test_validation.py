"""validate_response: the model's response definitions, Decimal and date-time too."""

from __future__ import annotations

import copy

import pytest

from vendor_recon.simulator.validation import (
    ResponseValidationError,
    response_definition,
    validate_response,
)

ORDER = {
    "purchaseOrderNumber": "2JK3S9VC",
    "purchaseOrderState": "New",
    "orderDetails": {
        "purchaseOrderDate": "2025-03-03T10:00:00Z",
        "purchaseOrderStateChangedDate": "2025-03-03T10:00:00Z",
        "items": [
            {
                "itemSequenceNumber": "1",
                "isBackOrderAllowed": False,
                "orderedQuantity": {
                    "amount": 2,
                    "unitOfMeasure": "Cases",
                    "unitSize": 6,
                },
                "netCost": {"currencyCode": "USD", "amount": "12.50"},
            }
        ],
    },
}


def body_with(change) -> dict:
    order = copy.deepcopy(ORDER)
    change(order)
    return {"payload": {"orders": [order]}}


def test_a_well_formed_body_passes():
    validate_response("getPurchaseOrders", 200, {"payload": {"orders": [ORDER]}})
    validate_response("getPurchaseOrder", 200, {"payload": ORDER})


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda o: o.pop("purchaseOrderState"), "purchaseOrderState"),
        (lambda o: o.update(purchaseOrderState="Open"), "is not one of"),
        (
            lambda o: o["orderDetails"]["items"][0]["netCost"].update(amount=12.5),
            "is not of type 'string'",
        ),
        (
            lambda o: o["orderDetails"]["items"][0]["netCost"].update(amount="12,50"),
            "does not match",
        ),
        (
            lambda o: o["orderDetails"].update(purchaseOrderDate="2025-03-03"),
            "date-time",
        ),
        (
            lambda o: o["orderDetails"]["items"][0]["orderedQuantity"].update(
                unitOfMeasure="CASES"
            ),
            "is not one of",
        ),
    ],
)
def test_model_violations_are_reported(change, problem):
    with pytest.raises(ResponseValidationError, match=problem):
        validate_response("getPurchaseOrders", 200, body_with(change))


def test_success_needs_a_payload_and_errors_need_errors():
    with pytest.raises(ResponseValidationError, match="payload"):
        validate_response("getPurchaseOrders", 200, {})
    with pytest.raises(ResponseValidationError, match="errors"):
        validate_response("getPurchaseOrders", 400, {"errors": []})
    with pytest.raises(ResponseValidationError, match="message"):
        validate_response("getPurchaseOrdersStatus", 400, {"errors": [{"code": "X"}]})
    validate_response(
        "getPurchaseOrdersStatus",
        429,
        {"errors": [{"code": "QuotaExceeded", "message": "m", "details": ""}]},
    )


def test_undeclared_statuses_are_refused():
    assert response_definition("getPurchaseOrdersStatus", 200) == (
        "GetPurchaseOrdersStatusResponse"
    )
    with pytest.raises(ResponseValidationError, match="declares no 401"):
        validate_response("getPurchaseOrders", 401, {"errors": []})
