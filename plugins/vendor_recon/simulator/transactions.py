"""Vendor submissions (acknowledgements, ASNs, invoices) and their transactions."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.api import ApiAnswer, error_answer
from vendor_recon.simulator.contracts import body_problems
from vendor_recon.simulator.serving import OperationCall, operation_endpoint

if TYPE_CHECKING:
    from vendor_recon.simulator.state import SimulatorState

log = logging.getLogger(__name__)

SUCCESS, FAILURE, PROCESSING = "Success", "Failure", "Processing"
# A transaction answers Processing this many times, then its outcome, unless the
# simulated clock has moved this far past the submission first.
PROCESSING_POLLS = 2
PROCESSING_TIME = timedelta(minutes=5)


@dataclass(frozen=True)
class Submission:
    """One submit operation: its path, model, request definition, list member."""

    operation_id: str
    path: str
    model_file: str
    definition: str
    documents: str
    # How one document names itself in a failure message.
    document_id: Callable[[dict[str, Any]], str]
    kind: str


SUBMISSIONS = (
    Submission(
        "submitAcknowledgement",
        "/vendor/orders/v1/acknowledgements",
        "vendorOrders.json",
        "SubmitAcknowledgementRequest",
        "acknowledgements",
        lambda d: str(d.get("purchaseOrderNumber", "")),
        "acknowledgement of purchase order",
    ),
    Submission(
        "SubmitShipmentConfirmations",
        "/vendor/shipping/v1/shipmentConfirmations",
        "vendorShipments.json",
        "SubmitShipmentConfirmationsRequest",
        "shipmentConfirmations",
        lambda d: str(d.get("shipmentIdentifier", "")),
        "shipment confirmation",
    ),
    Submission(
        "submitInvoices",
        "/vendor/payments/v1/invoices",
        "vendorInvoices.json",
        "SubmitInvoicesRequest",
        "invoices",
        lambda d: str(d.get("id", "")),
        "invoice",
    ),
)
TRANSACTIONS = "/vendor/transactions/v1/transactions"
# Why Amazon would end a valid submission Failure: (operation, account,
# documents, clock) -> problems, one error each; [] lets it go by its hash.
Check = Callable[[str, WorldAccount, list[dict[str, Any]], datetime], list[str]]


@dataclass
class Transaction:
    transaction_id: str
    account_id: str
    operation_id: str
    submitted_at: datetime
    outcome: str
    errors: list[dict[str, str]]
    documents: list[dict[str, Any]]
    polls: int = 0

    def status(self, as_of: datetime) -> str:
        if self.outcome == PROCESSING:
            return PROCESSING
        settled = (
            self.polls > PROCESSING_POLLS
            or as_of - self.submitted_at >= PROCESSING_TIME
        )
        return self.outcome if settled else PROCESSING


@dataclass(frozen=True)
class Accepted:
    """The documents of a transaction that ended Success, and when it came."""

    submitted_at: datetime
    documents: list[dict[str, Any]]


class TransactionDesk:
    """Takes submissions and answers getTransaction, per account (thread-safe)."""

    def __init__(self) -> None:
        self._transactions: dict[str, Transaction] = {}
        self._lock = threading.Lock()

    def submit(
        self, submission: Submission, call: OperationCall, check: Check | None = None
    ) -> ApiAnswer:
        try:
            body = json.loads(call.body or b"null")
        except ValueError as exc:
            return error_answer(400, "InvalidInput", "The body is not JSON.", str(exc))
        problems = body_problems(
            submission.model_file, submission.definition, body, submission.documents
        )
        if problems:
            return error_answer(
                400,
                "InvalidInput",
                f"The request body does not match {submission.definition}.",
                "; ".join(problems[:10]),
            )

        forced = call.hints.get("transaction_outcome")
        if forced not in (None, SUCCESS, FAILURE, PROCESSING):
            raise ValueError(f"unknown transaction outcome {forced!r}")
        documents = body[submission.documents]
        problems = (
            []
            if check is None
            else check(submission.operation_id, call.account, documents, call.as_of)
        )
        outcome = forced or (FAILURE if problems else _outcome_of(body))
        errors = []
        if outcome == FAILURE:
            errors = [_rejection(p) for p in problems] or _failure_errors(
                submission, documents
            )
        stamp = call.as_of.strftime("%Y%m%d%H%M%S")
        transaction = Transaction(
            transaction_id=f"{stamp}-{uuid.uuid4()}",
            account_id=call.account.account_id,
            operation_id=submission.operation_id,
            submitted_at=call.as_of,
            outcome=outcome,
            errors=errors,
            documents=documents,
        )
        with self._lock:
            self._transactions[transaction.transaction_id] = transaction
        log.info(
            "%s took %s document(s) as transaction %s (will end %s, %s problems)",
            submission.operation_id,
            len(documents),
            transaction.transaction_id,
            outcome,
            len(problems),
        )
        return ApiAnswer(
            202, {"payload": {"transactionId": transaction.transaction_id}}
        )

    def get_transaction(self, call: OperationCall) -> ApiAnswer:
        transaction_id = call.params.get("transactionId", "")
        with self._lock:
            transaction = self._transactions.get(transaction_id)
            if transaction is None or transaction.account_id != (
                call.account.account_id
            ):
                return error_answer(
                    404,
                    "NotFound",
                    "The requested transaction was not found.",
                    f"transactionId {transaction_id}",
                )
            transaction.polls += 1
            status = transaction.status(call.as_of)
        answer: dict[str, Any] = {"transactionId": transaction_id, "status": status}
        if status == FAILURE:
            answer["errors"] = [dict(error) for error in transaction.errors]
        return ApiAnswer(200, {"payload": {"transactionStatus": answer}})

    def accepted(
        self, account_id: str, operation_id: str, as_of: datetime
    ) -> list[Accepted]:
        """The account's submissions of an operation that read Success at
        `as_of` and came at or before it, oldest first."""
        with self._lock:
            return [
                Accepted(t.submitted_at, t.documents)
                for t in self._transactions.values()
                if t.account_id == account_id
                and t.operation_id == operation_id
                and t.submitted_at <= as_of
                and t.status(as_of) == SUCCESS
            ]


def transaction_routes(state: SimulatorState) -> list[Route]:
    """The submit operations and getTransaction, over the state's desk."""
    desk = state.transactions
    check = state.view.problems if state.view is not None else None

    routes = [
        Route(
            submission.path,
            operation_endpoint(
                state,
                submission.operation_id,
                lambda call, s=submission: desk.submit(s, call, check),
            ),
            methods=["POST"],
        )
        for submission in SUBMISSIONS
    ]
    routes.append(
        Route(
            f"{TRANSACTIONS}/{{transactionId}}",
            operation_endpoint(state, "getTransaction", desk.get_transaction),
            methods=["GET"],
        )
    )
    return routes


def _outcome_of(body: Any) -> str:
    """Deterministic by content: 1 in 10 fail, 1 in 20 never finish."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    bucket = int(hashlib.sha256(text.encode()).hexdigest(), 16) % 20
    if bucket == 0:
        return PROCESSING
    if bucket in (1, 2):
        return FAILURE
    return SUCCESS


def _rejection(problem: str) -> dict[str, str]:
    return {
        "code": "DocumentRejected",
        "message": f"The document was rejected: {problem}.",
        "details": "Amazon's records do not allow it; correct and resubmit.",
    }


def _failure_errors(
    submission: Submission, documents: list[dict[str, Any]]
) -> list[dict[str, str]]:
    first = submission.document_id(documents[0]) if documents else ""
    return [
        {
            "code": "DocumentRejected",
            "message": f"The {submission.kind} {first} was rejected.",
            "details": "The simulator rejects this submission by plan or by its "
            "content hash; correct and resubmit a new document.",
        }
    ]
