"""A world as Amazon shows it once the vendor's successful submissions are in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from vendor_recon.simulator import queries
from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.acknowledgement_effects import (
    Acknowledgement,
    acknowledged_order,
    acknowledged_status,
    resolve,
    submission_problems,
)
from vendor_recon.simulator.api import ApiAnswer, ApiRequest
from vendor_recon.simulator.finance import FinanceInvoice
from vendor_recon.simulator.invoice_effects import (
    identifier_of,
    invoice_problems,
    submitted_invoice,
)

if TYPE_CHECKING:
    from vendor_recon.simulator.transactions import TransactionDesk

Document = dict[str, Any]
ACKNOWLEDGE, INVOICE = "submitAcknowledgement", "submitInvoices"


@runtime_checkable
class AmazonRecords(Protocol):
    """A world with Amazon's own records: generated worlds and scenarios."""

    @property
    def accounts(self) -> Sequence[WorldAccount]: ...

    @property
    def default_clock(self) -> datetime: ...

    def account(self, account_id: str) -> WorldAccount: ...

    def orders_as_of(self, account_id: str, as_of: datetime) -> list[Document]: ...

    def statuses_as_of(self, account_id: str, as_of: datetime) -> list[Document]: ...

    def finance_invoices_as_of(
        self, account_id: str, as_of: datetime
    ) -> list[FinanceInvoice]: ...


class AmazonView:
    """The world's records with the successful submissions of the desk applied.

    A submission counts once its transaction reads Success at the clock and
    the clock is not before it: acknowledgements acknowledge their POs,
    invoices appear in the Finances Invoices API. ASNs change nothing here.
    """

    def __init__(self, world: AmazonRecords, desk: TransactionDesk):
        self.world = world
        self.desk = desk

    @property
    def accounts(self) -> Sequence[WorldAccount]:
        return self.world.accounts

    @property
    def default_clock(self) -> datetime:
        return self.world.default_clock

    def account(self, account_id: str) -> WorldAccount:
        return self.world.account(account_id)

    def orders_as_of(self, account_id: str, as_of: datetime) -> list[Document]:
        orders = self.world.orders_as_of(account_id, as_of)
        answers = self._acknowledgements(account_id, lambda: orders, as_of)
        return [
            acknowledged_order(order, answers.get(order["purchaseOrderNumber"], []))
            for order in orders
        ]

    def statuses_as_of(self, account_id: str, as_of: datetime) -> list[Document]:
        answers = self._acknowledgements(
            account_id, lambda: self.world.orders_as_of(account_id, as_of), as_of
        )
        return [
            acknowledged_status(status, answers.get(status["purchaseOrderNumber"], []))
            for status in self.world.statuses_as_of(account_id, as_of)
        ]

    def finance_invoices_as_of(
        self, account_id: str, as_of: datetime
    ) -> list[FinanceInvoice]:
        invoices = self.world.finance_invoices_as_of(account_id, as_of)
        held = {invoice.header["invoiceIdentifier"] for invoice in invoices}
        account = self.account(account_id)
        for accepted in self.desk.accepted(account_id, INVOICE, as_of):
            for document in accepted.documents:
                # Amazon keeps the first invoice of a number; a later one is a
                # duplicate it does not count (a planned Success may let one in).
                if identifier_of(document) not in held:
                    held.add(identifier_of(document))
                    invoices.append(
                        submitted_invoice(document, account, accepted.submitted_at)
                    )
        return sorted(
            invoices, key=lambda f: (f.issued_at, f.header["invoiceIdentifier"])
        )

    def problems(
        self,
        operation_id: str,
        account: WorldAccount,
        documents: list[Document],
        as_of: datetime,
    ) -> list[str]:
        """Why Amazon would end a valid submission Failure, as of `as_of`."""
        if operation_id == ACKNOWLEDGE:
            orders = _by_number(self.orders_as_of(account.account_id, as_of))
            return [
                problem
                for document in documents
                for problem in submission_problems(
                    document, orders.get(document["purchaseOrderNumber"]), as_of
                )
            ]
        if operation_id == INVOICE:
            known = {
                invoice.header["invoiceIdentifier"]
                for invoice in self.finance_invoices_as_of(account.account_id, as_of)
            }
            return invoice_problems(account, documents, known)
        return []

    def respond(self, request: ApiRequest) -> ApiAnswer:
        return queries.respond(self, request)  # type: ignore[arg-type]

    def _acknowledgements(
        self,
        account_id: str,
        orders: Callable[[], list[Document]],
        as_of: datetime,
    ) -> dict[str, list[Acknowledgement]]:
        """The successful acknowledgements of each PO, oldest first.

        `orders` is called only when there are some: most worlds have none.
        """
        accepted_ones = self.desk.accepted(account_id, ACKNOWLEDGE, as_of)
        if not accepted_ones:
            return {}
        by_number = _by_number(orders())
        found: dict[str, list[Acknowledgement]] = {}
        for accepted in accepted_ones:
            for document in accepted.documents:
                number = document["purchaseOrderNumber"]
                answer = resolve(document, by_number.get(number), accepted.submitted_at)
                # A planned Success of an impossible acknowledgement changes nothing.
                if isinstance(answer, Acknowledgement):
                    found.setdefault(number, []).append(answer)
        return found


def _by_number(orders: list[Document]) -> dict[str, Document]:
    return {order["purchaseOrderNumber"]: order for order in orders}
