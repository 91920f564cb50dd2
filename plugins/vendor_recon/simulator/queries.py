"""The vendor orders operations over a generated world: windows, filters, paging."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from vendor_recon.simulator import finance_api, paging
from vendor_recon.simulator.api import ApiAnswer, ApiRequest, error_answer
from vendor_recon.simulator.model import operation
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp

if TYPE_CHECKING:
    from vendor_recon.simulator.world import World

# Windows are half-open, [After, Before), at most 7 days long, and filter on the
# documents' own fields as of the clock, as Amazon's would.
MAX_WINDOW = timedelta(days=7)
MAX_LIMIT = 100
Document = dict[str, Any]


class InvalidInput(ValueError):
    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.message = message
        self.details = details


def respond(world: World, request: ApiRequest) -> ApiAnswer:
    handler = HANDLERS.get(request.operation_id)
    if handler is None:
        return error_answer(
            404, "NotFound", f"The operation {request.operation_id} is not simulated."
        )
    try:
        return handler(world, request)
    except InvalidInput as exc:
        return error_answer(400, "InvalidInput", exc.message, exc.details)


def get_purchase_orders(world: World, request: ApiRequest) -> ApiAnswer:
    params = Params(request)
    created = params.window("createdAfter", "createdBefore")
    changed = params.window("changedAfter", "changedBefore")
    if created is None and changed is None:
        raise InvalidInput(
            "A date range is required.",
            "Give createdAfter and createdBefore, or changedAfter and changedBefore.",
        )
    limit = params.limit()
    descending = params.enum("sortOrder", ("ASC", "DESC"), "ASC") == "DESC"
    include_details = params.boolean("includeDetails", default=True)
    changed_only = params.boolean("isPOChanged", default=False)
    cancelled_only = params.enum("poItemState", ("Cancelled",)) is not None
    state = params.enum("purchaseOrderState", ("New", "Acknowledged", "Closed"))
    vendor_code = params.text("orderingVendorCode")
    fingerprint, offset = params.paging()

    def keep(order: Document) -> bool:
        details = order["orderDetails"]
        changed_at = details.get("purchaseOrderChangedDate")
        return (
            _within(details["purchaseOrderDate"], created)
            and (changed is None or _within(changed_at, changed))
            and (not changed_only or changed_at is not None)
            and (not cancelled_only or _has_cancelled_item(order))
            and state in (None, order["purchaseOrderState"])
            and vendor_code in (None, details["sellingParty"]["partyId"])
        )

    orders = _sorted(
        filter(keep, world.orders_as_of(request.account.account_id, request.as_of)),
        key=lambda o: (
            parse_timestamp(o["orderDetails"]["purchaseOrderDate"]),
            o["purchaseOrderNumber"],
        ),
        descending=descending,
    )
    chunk, next_offset = paging.page(orders, offset, limit)
    if not include_details:
        chunk = [
            {k: order[k] for k in ("purchaseOrderNumber", "purchaseOrderState")}
            for order in chunk
        ]
    payload = {**paging.pagination(next_offset, fingerprint), "orders": chunk}
    return ApiAnswer(200, {"payload": payload})


def get_purchase_order(world: World, request: ApiRequest) -> ApiAnswer:
    number = request.params.get("purchaseOrderNumber", "")
    for order in world.orders_as_of(request.account.account_id, request.as_of):
        if order["purchaseOrderNumber"] == number:
            return ApiAnswer(200, {"payload": order})
    return error_answer(
        404,
        "NotFound",
        "The requested purchase order was not found.",
        f"purchaseOrderNumber {number}",
    )


def get_purchase_orders_status(world: World, request: ApiRequest) -> ApiAnswer:
    params = Params(request)
    created = params.window("createdAfter", "createdBefore")
    updated = params.window("updatedAfter", "updatedBefore")
    number = params.text("purchaseOrderNumber")
    if created is None and updated is None and number is None:
        raise InvalidInput(
            "A date range or a purchase order number is required.",
            "Give createdAfter and createdBefore, updatedAfter and updatedBefore, "
            "or purchaseOrderNumber.",
        )
    limit = params.limit()
    descending = params.enum("sortOrder", ("ASC", "DESC"), "ASC") == "DESC"
    status = params.enum("purchaseOrderStatus", ("OPEN", "CLOSED"))
    confirmation = params.enum(
        "itemConfirmationStatus",
        ("ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "UNCONFIRMED"),
    )
    receive = params.enum(
        "itemReceiveStatus", ("NOT_RECEIVED", "PARTIALLY_RECEIVED", "RECEIVED")
    )
    vendor_code = params.text("orderingVendorCode")
    ship_to = params.text("shipToPartyId")
    fingerprint, offset = params.paging()

    def keep(document: Document) -> bool:
        items = document["itemStatus"]
        return (
            _within(document["purchaseOrderDate"], created)
            and _within(document["lastUpdatedDate"], updated)
            and number in (None, document["purchaseOrderNumber"])
            and status in (None, document["purchaseOrderStatus"])
            and (
                confirmation is None
                or any(
                    i["acknowledgementStatus"]["confirmationStatus"] == confirmation
                    for i in items
                )
            )
            and (
                receive is None
                or any(
                    i.get("receivingStatus", {}).get("receiveStatus") == receive
                    for i in items
                )
            )
            and vendor_code in (None, document["sellingParty"]["partyId"])
            and ship_to in (None, document["shipToParty"]["partyId"])
        )

    documents = world.statuses_as_of(request.account.account_id, request.as_of)
    documents = _sorted(
        filter(keep, documents),
        key=lambda d: (
            parse_timestamp(d["purchaseOrderDate"]),
            d["purchaseOrderNumber"],
        ),
        descending=descending,
    )
    chunk, next_offset = paging.page(documents, offset, limit)
    payload = {**paging.pagination(next_offset, fingerprint), "ordersStatus": chunk}
    return ApiAnswer(200, {"payload": payload})


HANDLERS: dict[str, Callable[[World, ApiRequest], ApiAnswer]] = {
    "getPurchaseOrders": get_purchase_orders,
    "getPurchaseOrder": get_purchase_order,
    "getPurchaseOrdersStatus": get_purchase_orders_status,
    **finance_api.HANDLERS,
}


class Params:
    """The request's documented parameters, read and checked one by one."""

    def __init__(self, request: ApiRequest):
        known = operation(request.operation_id).parameter_names
        self.request = request
        self.values = {k: v for k, v in request.params.items() if k in known}

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def limit(self) -> int:
        value = self.text("limit")
        if value is None:
            return MAX_LIMIT
        try:
            limit = int(value)
        except ValueError:
            raise InvalidInput("limit must be an integer.", f"limit={value}") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(
                f"limit must be between 1 and {MAX_LIMIT}.", f"limit={value}"
            )
        return limit

    def enum(
        self, name: str, allowed: tuple[str, ...], default: str | None = None
    ) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in allowed:
            raise InvalidInput(
                f"{name} must be one of {', '.join(allowed)}.", f"{name}={value}"
            )
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise InvalidInput(f"{name} must be true or false.", f"{name}={value}")
        return value.lower() == "true"

    def timestamp(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return parse_timestamp(value)
        except ValueError:
            raise InvalidInput(
                f"{name} must be an ISO-8601 date-time.", f"{name}={value}"
            ) from None

    def window(
        self, after_name: str, before_name: str
    ) -> tuple[datetime, datetime] | None:
        """[after, before) or None; a missing Before means now (the clock)."""
        after, before = self.timestamp(after_name), self.timestamp(before_name)
        if after is None and before is None:
            return None
        if after is None:
            raise InvalidInput(
                f"{after_name} is required with {before_name}.",
                f"{before_name}={self.values[before_name]}",
            )
        if before is None:
            before = self.request.as_of
        asked = (
            f"{after_name}={iso_seconds(after)}, {before_name}={iso_seconds(before)}"
        )
        if before <= after:
            raise InvalidInput(f"{before_name} must be later than {after_name}.", asked)
        if before - after > MAX_WINDOW:
            raise InvalidInput("The date range must not exceed 7 days.", asked)
        return after, before

    def paging(self) -> tuple[str, int]:
        """The filter's fingerprint and the offset the nextToken points at."""
        fingerprint = paging.filter_fingerprint(
            self.request.operation_id, self.request.account.account_id, self.values
        )
        token = self.text("nextToken")
        if token is None:
            return fingerprint, 0
        try:
            return fingerprint, paging.decode_token(token, fingerprint)
        except paging.BadToken as exc:
            raise InvalidInput("Invalid nextToken.", str(exc)) from None


def _within(text: str | None, window: tuple[datetime, datetime] | None) -> bool:
    if window is None:
        return True
    if text is None:
        return False
    return window[0] <= parse_timestamp(text) < window[1]


def _has_cancelled_item(order: Document) -> bool:
    # Amazon's meaning: an item it cancelled down to a quantity of zero.
    details = order["orderDetails"]
    return "purchaseOrderChangedDate" in details and any(
        item["orderedQuantity"]["amount"] == 0 for item in details["items"]
    )


def _sorted(
    documents: Iterable[Document], key: Callable[[Document], Any], descending: bool
) -> list[Document]:
    return sorted(documents, key=key, reverse=descending)
