"""Planned misbehaviour: answers served in place of, or made from, the real one."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vendor_recon.simulator import exact_json
from vendor_recon.simulator.api import ApiAnswer

# A fault's operation_id may be this to count every SP-API request of a server.
ANY_OPERATION = "*"
# The report document download is no SP-API operation, but faults may target it.
DOCUMENT_DOWNLOAD = "downloadReportDocument"


@dataclass(frozen=True)
class FaultAnswer:
    status_code: int
    body: bytes
    content_type: str | None
    rate_limit_header: bool
    # Extra response headers, e.g. Content-Encoding for report documents.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Drop:
    """Close the connection without answering (the client sees a reset)."""


@dataclass(frozen=True)
class Delay:
    """Wait, then serve `then` (the real answer when None)."""

    seconds: float
    then: FaultAnswer | ApiAnswer | None = None


Outcome = FaultAnswer | ApiAnswer | Drop | Delay


@dataclass(frozen=True)
class FaultRequest:
    """What a fault may look at: the request as it arrived."""

    operation_id: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class FaultContext:
    """What a fault may do: compute the real answer, expire tokens, make tokens."""

    request: FaultRequest
    # real_answer(params=None, **hints): the real answer. `params` overrides ask
    # the same operation another question; hints reach the handler (e.g. how a
    # submitted transaction ends). Raw answers (documents) are FaultAnswers.
    real_answer: Callable[..., ApiAnswer | FaultAnswer]
    expire_tokens: Callable[[], None] = lambda: None
    # A nextToken for the first page of the request's filter, when there is one.
    first_page_token: Callable[[], str | None] = lambda: None


# A fault kind is a small frozen dataclass. A FaultPlan counts, per fault, the
# requests it matches and hands out the first fault whose turn it is; the server
# then calls `serve`, which by default replaces the answer with `answer()`.
@dataclass(frozen=True)
class Fault:
    """Serve this fault to matching requests number after+1 .. after+times."""

    operation_id: str
    times: int = 1
    after: int = 0

    def answer(self) -> FaultAnswer:
        raise NotImplementedError

    def serve(self, context: FaultContext) -> Outcome:
        return self.answer()

    def matches(self, request: FaultRequest) -> bool:
        return self.operation_id in (ANY_OPERATION, request.operation_id)

    def covers(self, request_number: int) -> bool:
        return self.after < request_number <= self.after + self.times


@dataclass(frozen=True)
class Throttle(Fault):
    """429 QuotaExceeded; Amazon often leaves the rate header off these."""

    rate_limit_header: bool = True

    def answer(self) -> FaultAnswer:
        return FaultAnswer(
            429,
            json.dumps(QUOTA_EXCEEDED).encode(),
            "application/json",
            self.rate_limit_header,
        )


@dataclass(frozen=True)
class Unavailable(Fault):
    """503 with an empty body: the library turns it into an empty payload."""

    def answer(self) -> FaultAnswer:
        return FaultAnswer(503, b"", None, False)


@dataclass(frozen=True)
class HtmlError(Fault):
    """A 500 or 503 with an HTML page, as a load balancer in front answers."""

    status_code: int = 500

    def answer(self) -> FaultAnswer:
        title = HTML_TITLES.get(self.status_code, "Server Error")
        page = (
            f"<html><head><title>{self.status_code} {title}</title></head>"
            f"<body><center><h1>{self.status_code} {title}</h1></center>"
            "</body></html>"
        )
        return FaultAnswer(self.status_code, page.encode(), "text/html", False)


@dataclass(frozen=True)
class ConnectionReset(Fault):
    """The server closes the socket without a byte of answer."""

    def serve(self, context: FaultContext) -> Outcome:
        return Drop()


@dataclass(frozen=True)
class SlowResponse(Fault):
    """The real answer, sent only after `delay_s` (past a client's timeout)."""

    delay_s: float = 6.0

    def serve(self, context: FaultContext) -> Outcome:
        return Delay(self.delay_s)


@dataclass(frozen=True)
class TruncatedJson(Fault):
    """The real answer cut short, as when a connection breaks mid-body."""

    keep_fraction: float = 0.5

    def serve(self, context: FaultContext) -> Outcome:
        real = context.real_answer()
        if isinstance(real, FaultAnswer):
            text, content_type = real.body, real.content_type
        else:
            # The Finances API's money is Decimal: serialise it as the server does.
            text = exact_json.dumps(real.body).encode()
            content_type = "application/json"
        kept = text[: max(1, int(len(text) * self.keep_fraction))]
        return FaultAnswer(real.status_code, kept, content_type, True)


@dataclass(frozen=True)
class NextTokenRejected(Fault):
    """400 InvalidInput for a request carrying a nextToken; a retry succeeds."""

    def matches(self, request: FaultRequest) -> bool:
        return super().matches(request) and bool(request.params.get("nextToken"))

    def answer(self) -> FaultAnswer:
        body = {
            "errors": [
                {
                    "code": "InvalidInput",
                    "message": "Invalid nextToken.",
                    "details": "The nextToken could not be read; try again.",
                }
            ]
        }
        return FaultAnswer(400, json.dumps(body).encode(), "application/json", True)


@dataclass(frozen=True)
class DuplicateAcrossPages(Fault):
    """A page that ends with the first record of the next page (seen twice)."""

    def serve(self, context: FaultContext) -> Outcome:
        real = context.real_answer()
        token = _next_token(real)
        key = _list_key(real)
        if token is None or key is None or not isinstance(real, ApiAnswer):
            return real
        following = context.real_answer({"nextToken": token})
        if not isinstance(following, ApiAnswer) or _list_key(following) != key:
            return real
        if not following.body["payload"][key]:
            return real
        payload = dict(real.body["payload"])
        payload[key] = [*payload[key], following.body["payload"][key][0]]
        return ApiAnswer(real.status_code, {**real.body, "payload": payload})


@dataclass(frozen=True)
class EmptyPage(Fault):
    """No records, yet a nextToken that leads on to the records this page held."""

    def serve(self, context: FaultContext) -> Outcome:
        real = context.real_answer()
        key = _list_key(real)
        if key is None:
            return real
        token = context.request.params.get("nextToken") or context.first_page_token()
        if not token:
            return real
        assert isinstance(real, ApiAnswer)
        payload = {**real.body["payload"], key: []}
        payload["pagination"] = {"nextToken": token}
        return ApiAnswer(real.status_code, {**real.body, "payload": payload})


@dataclass(frozen=True)
class ExpireTokens(Fault):
    """Every access token issued so far expires now; this request gets the 403."""

    def serve(self, context: FaultContext) -> Outcome:
        context.expire_tokens()
        return FaultAnswer(403, json.dumps(EXPIRED).encode(), "application/json", False)


@dataclass(frozen=True)
class DocumentHeaders(Fault):
    """How a report document download is labelled (operation DOCUMENT_DOWNLOAD).

    `content_encoding` sends a gzipped document with `Content-Encoding: gzip`, so
    an HTTP client inflates it before the caller's own GZIP step; `charset` None
    leaves the charset off Content-Type, and clients fall back to their default.
    """

    operation_id: str = DOCUMENT_DOWNLOAD
    content_encoding: bool = False
    charset: str | None = "utf-8"

    def serve(self, context: FaultContext) -> Outcome:
        return context.real_answer(
            content_encoding=self.content_encoding, charset=self.charset
        )


@dataclass(frozen=True)
class TransactionOutcome(Fault):
    """Decide how a submission ends: Success, Failure, or Processing for ever."""

    outcome: str = "Failure"

    def serve(self, context: FaultContext) -> Outcome:
        return context.real_answer(transaction_outcome=self.outcome)


QUOTA_EXCEEDED = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}
EXPIRED = {
    "errors": [
        {
            "code": "Unauthorized",
            "message": "The access token you provided has expired.",
            "details": "",
        }
    ]
}
HTML_TITLES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


class FaultPlan:
    """Faults by operation, consumed as requests arrive (thread-safe)."""

    def __init__(self, faults: list[Fault] | tuple[Fault, ...] = ()):
        self.faults = tuple(faults)
        self._matched: Counter[int] = Counter()
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()

    def next_fault(self, request: FaultRequest) -> Fault | None:
        """Count the request against every fault it matches; the one to serve."""
        chosen = None
        with self._lock:
            for index, fault in enumerate(self.faults):
                if not fault.matches(request):
                    continue
                self._matched[index] += 1
                if chosen is None and fault.covers(self._matched[index]):
                    chosen = fault
            if chosen is not None:
                self._served[request.operation_id] += 1
        return chosen

    def take(self, operation_id: str) -> FaultAnswer | None:
        """The replacement answer for one request of the operation, if any."""
        fault = self.next_fault(FaultRequest(operation_id))
        return None if fault is None else fault.answer()

    def served(self, operation_id: str) -> int:
        """How many faults this plan has served for the operation so far."""
        with self._lock:
            return self._served[operation_id]


def _list_key(answer: ApiAnswer | FaultAnswer) -> str | None:
    """The name of the one list in a successful paged payload, if it has one."""
    if not isinstance(answer, ApiAnswer) or answer.status_code != 200:
        return None
    payload = answer.body.get("payload")
    if not isinstance(payload, dict):
        return None
    lists = [key for key, value in payload.items() if isinstance(value, list)]
    return lists[0] if len(lists) == 1 else None


def _next_token(answer: ApiAnswer | FaultAnswer) -> str | None:
    if not isinstance(answer, ApiAnswer):
        return None
    payload: Any = answer.body.get("payload")
    if not isinstance(payload, dict):
        return None
    return (payload.get("pagination") or {}).get("nextToken")
