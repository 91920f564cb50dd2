"""Planned misbehaviour: answers served in place of an operation's real one."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultAnswer:
    status_code: int
    body: bytes
    content_type: str | None
    rate_limit_header: bool


# A fault kind is a small frozen dataclass with an `answer()`. A FaultPlan counts
# each operation's requests and serves the first fault whose turn it is; later
# kinds (timeouts, malformed bodies, missing fields) subclass Fault the same way.
@dataclass(frozen=True)
class Fault:
    """Serve this fault to requests number after+1 .. after+times of an operation."""

    operation_id: str
    times: int = 1
    after: int = 0

    def answer(self) -> FaultAnswer:
        raise NotImplementedError

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


QUOTA_EXCEEDED = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


class FaultPlan:
    """Faults by operation, consumed as requests arrive (thread-safe)."""

    def __init__(self, faults: list[Fault] | tuple[Fault, ...] = ()):
        self.faults = tuple(faults)
        self._requests: Counter[str] = Counter()
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()

    def take(self, operation_id: str) -> FaultAnswer | None:
        """Count one request of the operation; the fault to serve it, if any."""
        with self._lock:
            self._requests[operation_id] += 1
            number = self._requests[operation_id]
            for fault in self.faults:
                if fault.operation_id == operation_id and fault.covers(number):
                    self._served[operation_id] += 1
                    return fault.answer()
        return None

    def served(self, operation_id: str) -> int:
        """How many faults this plan has served for the operation so far."""
        with self._lock:
            return self._served[operation_id]
