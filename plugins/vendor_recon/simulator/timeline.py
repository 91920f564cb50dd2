"""A purchase order's life as timed events, and its state as of any clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

CASES = "Cases"
EACHES = "Eaches"


@dataclass(frozen=True)
class Cancellation:
    """Amazon lowers a line's ordered amount (in the line's unit of measure)."""

    at: datetime
    amount: int


@dataclass(frozen=True)
class Receipt:
    """Units counted in at the fulfilment centre, in eaches."""

    at: datetime
    eaches: int


@dataclass(frozen=True)
class LineAcknowledgement:
    """The vendor's answer for one line, in the line's unit of measure."""

    accepted: int
    rejected: int

    @property
    def confirmation_status(self) -> str:
        if self.rejected == 0:
            return "ACCEPTED"
        if self.accepted == 0:
            return "REJECTED"
        return "PARTIALLY_ACCEPTED"


@dataclass(frozen=True)
class PurchaseOrderLine:
    item_sequence_number: str
    asin: str
    vendor_sku: str
    unit_of_measure: str
    unit_size: int
    ordered_amount: int
    net_cost: Decimal
    list_price: Decimal
    is_back_order_allowed: bool
    # How receivingStatus.receivedQuantity is expressed for this line: Amazon
    # varies it, so a consumer must convert with the unit size it is given.
    received_unit_of_measure: str
    received_unit_size: int
    acknowledgement: LineAcknowledgement | None
    cancellations: tuple[Cancellation, ...]
    receipts: tuple[Receipt, ...]

    def cancelled_amount(self, as_of: datetime) -> int:
        return sum(c.amount for c in self.cancellations if c.at <= as_of)

    def current_amount(self, as_of: datetime) -> int:
        return self.ordered_amount - self.cancelled_amount(as_of)

    def received_eaches(self, as_of: datetime) -> int:
        return sum(r.eaches for r in self.receipts if r.at <= as_of)

    def last_received_at(self, as_of: datetime) -> datetime | None:
        times = [r.at for r in self.receipts if r.at <= as_of]
        return max(times) if times else None

    def expected_eaches(self, as_of: datetime) -> int:
        """What Amazon still expects to receive: accepted, less what it cancelled."""
        ordered = self.current_amount(as_of)
        if self.acknowledgement is not None:
            ordered = min(ordered, self.acknowledgement.accepted)
        return ordered * self.unit_size

    def receive_status(self, as_of: datetime) -> str:
        received = self.received_eaches(as_of)
        if received == 0:
            return "NOT_RECEIVED"
        if received >= self.expected_eaches(as_of):
            return "RECEIVED"
        return "PARTIALLY_RECEIVED"


@dataclass(frozen=True)
class PurchaseOrder:
    account_id: str
    purchase_order_number: str
    vendor_code: str
    currency_code: str
    ship_to_party_id: str
    bill_to_party_id: str
    created_at: datetime
    ship_window: tuple[datetime, datetime]
    delivery_window: tuple[datetime, datetime] | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    # Some POs carry no receivingStatus until acknowledged (a documented field
    # that goes missing): the consumer must read that as unknown, not zero.
    shows_receiving_before_acknowledgement: bool
    lines: tuple[PurchaseOrderLine, ...]

    def is_visible(self, as_of: datetime) -> bool:
        return self.created_at <= as_of

    def is_acknowledged(self, as_of: datetime) -> bool:
        return self.acknowledged_at is not None and self.acknowledged_at <= as_of

    def is_closed(self, as_of: datetime) -> bool:
        return self.closed_at is not None and self.closed_at <= as_of

    def state(self, as_of: datetime) -> str:
        """Amazon's Order.purchaseOrderState."""
        if self.is_closed(as_of):
            return "Closed"
        if self.is_acknowledged(as_of):
            return "Acknowledged"
        return "New"

    def state_changed_at(self, as_of: datetime) -> datetime:
        if self.is_closed(as_of):
            return self.closed_at  # type: ignore[return-value]
        if self.is_acknowledged(as_of):
            return self.acknowledged_at  # type: ignore[return-value]
        return self.created_at

    def changed_at(self, as_of: datetime) -> datetime | None:
        """purchaseOrderChangedDate: Amazon's latest change to the PO so far."""
        times = [
            c.at for line in self.lines for c in line.cancellations if c.at <= as_of
        ]
        return max(times) if times else None

    def event_times(self) -> list[datetime]:
        """Every moment the PO changes, in order, whether before the clock or not."""
        times = [self.created_at]
        times += [t for t in (self.acknowledged_at, self.closed_at) if t is not None]
        for line in self.lines:
            times += [c.at for c in line.cancellations]
            times += [r.at for r in line.receipts]
        return sorted(times)

    def last_updated_at(self, as_of: datetime) -> datetime:
        return max(t for t in self.event_times() if t <= as_of)

    def shows_receiving(self, as_of: datetime) -> bool:
        return self.shows_receiving_before_acknowledgement or self.is_acknowledged(
            as_of
        )
