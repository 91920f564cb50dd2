"""Token buckets per account and operation, with Amazon's published usage plans."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# (rate per second, burst) from the models' usage plan tables.
USAGE_PLANS = {
    "getPurchaseOrders": (10.0, 10),
    "getPurchaseOrder": (10.0, 10),
    "getPurchaseOrdersStatus": (10.0, 10),
    "submitAcknowledgement": (10.0, 10),
    "SubmitShipmentConfirmations": (10.0, 10),
    "submitInvoices": (10.0, 10),
    "getTransaction": (10.0, 20),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
}
DEFAULT_PLAN = (10.0, 10)


def rate_limit_header(operation_id: str) -> str:
    """The `x-amzn-RateLimit-Limit` value of an operation, e.g. "10.0"."""
    return str(float(USAGE_PLANS.get(operation_id, DEFAULT_PLAN)[0]))


@dataclass
class TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RateLimiter:
    """Grants or refuses each request; off means every request passes."""

    def __init__(
        self, enabled: bool = True, clock: Callable[[], float] = time.monotonic
    ):
        self.enabled = enabled
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def elapse(self, seconds: float) -> None:
        """Refill every bucket as if `seconds` of simulated time had passed.

        Moving the clock a day ahead gives Amazon's buckets a day to refill, as
        a daily schedule would, although only seconds passed on the wall.
        """
        if seconds <= 0:
            return
        with self._lock:
            for bucket in self._buckets.values():
                bucket.tokens = min(bucket.burst, bucket.tokens + seconds * bucket.rate)

    def allow(self, account_id: str, operation_id: str) -> bool:
        if not self.enabled:
            return True
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get((account_id, operation_id))
            if bucket is None:
                rate, burst = USAGE_PLANS.get(operation_id, DEFAULT_PLAN)
                bucket = TokenBucket(rate, burst, float(burst), now)
                self._buckets[(account_id, operation_id)] = bucket
            return bucket.take(now)
