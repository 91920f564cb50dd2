"""Amazon's `Order` and `OrderStatus` documents of a purchase order, as of a clock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.timeline import PurchaseOrder, PurchaseOrderLine
from vendor_recon.simulator.timestamps import format_window, iso_millis, iso_seconds


def order_document(po: PurchaseOrder, as_of: datetime) -> dict[str, Any]:
    """The `Order` getPurchaseOrders and getPurchaseOrder answer."""
    details: dict[str, Any] = {"purchaseOrderDate": iso_seconds(po.created_at)}
    changed_at = po.changed_at(as_of)
    if changed_at is not None:
        details["purchaseOrderChangedDate"] = iso_seconds(changed_at)
    details["purchaseOrderStateChangedDate"] = iso_seconds(po.state_changed_at(as_of))
    details["purchaseOrderType"] = "RegularOrder"
    details["paymentMethod"] = "Invoice"
    details["buyingParty"] = {"partyId": po.ship_to_party_id}
    details["sellingParty"] = {"partyId": po.vendor_code}
    details["shipToParty"] = {"partyId": po.ship_to_party_id}
    details["billToParty"] = {"partyId": po.bill_to_party_id}
    details["shipWindow"] = format_window(*po.ship_window)
    if po.delivery_window is not None:
        details["deliveryWindow"] = format_window(*po.delivery_window)
    details["items"] = [
        {
            "itemSequenceNumber": line.item_sequence_number,
            "amazonProductIdentifier": line.asin,
            "vendorProductIdentifier": line.vendor_sku,
            "orderedQuantity": _quantity(line, line.current_amount(as_of)),
            "isBackOrderAllowed": line.is_back_order_allowed,
            "netCost": money(line.net_cost, po.currency_code),
            "listPrice": money(line.list_price, po.currency_code),
        }
        for line in po.lines
    ]
    return {
        "purchaseOrderNumber": po.purchase_order_number,
        "purchaseOrderState": po.state(as_of),
        "orderDetails": details,
    }


def status_document(po: PurchaseOrder, as_of: datetime) -> dict[str, Any]:
    """The `OrderStatus` getPurchaseOrdersStatus answers."""
    return {
        "purchaseOrderNumber": po.purchase_order_number,
        "purchaseOrderStatus": "CLOSED" if po.is_closed(as_of) else "OPEN",
        "purchaseOrderDate": iso_millis(po.created_at),
        "lastUpdatedDate": iso_millis(po.last_updated_at(as_of)),
        "sellingParty": {"partyId": po.vendor_code},
        "shipToParty": {"partyId": po.ship_to_party_id},
        "itemStatus": [_item_status(po, line, as_of) for line in po.lines],
    }


def money(amount: Decimal, currency_code: str) -> dict[str, str]:
    return {
        "currencyCode": currency_code,
        "amount": str(quantize_money(amount, currency_code)),
    }


def _quantity(line: PurchaseOrderLine, amount: int) -> dict[str, Any]:
    return {
        "amount": amount,
        "unitOfMeasure": line.unit_of_measure,
        "unitSize": line.unit_size,
    }


def _item_status(
    po: PurchaseOrder, line: PurchaseOrderLine, as_of: datetime
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "itemSequenceNumber": line.item_sequence_number,
        "buyerProductIdentifier": line.asin,
        "vendorProductIdentifier": line.vendor_sku,
        "netCost": money(line.net_cost, po.currency_code),
        "listPrice": money(line.list_price, po.currency_code),
        "orderedQuantity": {
            "orderedQuantity": _quantity(line, line.current_amount(as_of)),
            "orderedQuantityDetails": _ordered_quantity_details(po, line, as_of),
        },
        "acknowledgementStatus": _acknowledgement_status(po, line, as_of),
    }
    if po.shows_receiving(as_of):
        item["receivingStatus"] = _receiving_status(line, as_of)
    return item


def _ordered_quantity_details(
    po: PurchaseOrder, line: PurchaseOrderLine, as_of: datetime
) -> list[dict[str, Any]]:
    # Newest first, as Amazon lists them: each cancellation, then the order.
    details = [
        {
            "updatedDate": iso_millis(cancellation.at),
            "cancelledQuantity": _quantity(line, cancellation.amount),
        }
        for cancellation in sorted(line.cancellations, key=lambda c: c.at, reverse=True)
        if cancellation.at <= as_of
    ]
    details.append(
        {
            "updatedDate": iso_millis(po.created_at),
            "orderedQuantity": _quantity(line, line.ordered_amount),
        }
    )
    return details


def _acknowledgement_status(
    po: PurchaseOrder, line: PurchaseOrderLine, as_of: datetime
) -> dict[str, Any]:
    acknowledgement = line.acknowledgement
    acknowledged_at = po.acknowledged_at
    if acknowledgement is None or acknowledged_at is None or acknowledged_at > as_of:
        # Amazon writes zeros while unconfirmed; the status says they mean nothing.
        return {
            "confirmationStatus": "UNCONFIRMED",
            "acceptedQuantity": _quantity(line, 0),
            "rejectedQuantity": _quantity(line, 0),
        }
    accepted = _quantity(line, acknowledgement.accepted)
    rejected = _quantity(line, acknowledgement.rejected)
    return {
        "confirmationStatus": acknowledgement.confirmation_status,
        "acceptedQuantity": accepted,
        "rejectedQuantity": rejected,
        "acknowledgementStatusDetails": [
            {
                "acknowledgementDate": iso_millis(acknowledged_at),
                "acceptedQuantity": dict(accepted),
                "rejectedQuantity": dict(rejected),
            }
        ],
    }


def _receiving_status(line: PurchaseOrderLine, as_of: datetime) -> dict[str, Any]:
    received = line.received_eaches(as_of)
    status: dict[str, Any] = {
        "receiveStatus": line.receive_status(as_of),
        "receivedQuantity": {
            "amount": received // line.received_unit_size,
            "unitOfMeasure": line.received_unit_of_measure,
            "unitSize": line.received_unit_size,
        },
    }
    last = line.last_received_at(as_of)
    if last is not None:
        status["lastReceiveDate"] = iso_millis(last)
    return status
