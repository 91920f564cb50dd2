"""Token buckets per account and operation, following Amazon's usage plans."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

# Documented usage plans (requests per second, burst), used until a response's
# x-amzn-RateLimit-Limit header says otherwise; 429s often omit the header.
DOCUMENTED_RATES = {
    "getPurchaseOrders": (10.0, 10),
    "getPurchaseOrder": (10.0, 10),
    "getPurchaseOrdersStatus": (10.0, 10),
    "submitAcknowledgement": (10.0, 10),
    "getTransaction": (10.0, 20),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    # Not in SP-API-NOTES; Amazon's page for the 2026-06-25 Invoices API gives
    # 0.5/s for both. The rate header corrects this when it says otherwise.
    "getInvoiceHeaders": (0.5, 1),
    "getInvoice": (0.5, 1),
}
FALLBACK_RATE = (1.0, 1)


@dataclass
class LimiterStats:
    requests: int = 0
    waited_s: float = 0.0


class TokenBucket:
    """Blocks before a request until the operation's bucket holds a token."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()
        self.stats = LimiterStats()

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed; return the seconds waited."""
        with self._lock:
            self._refill()
            wait = 0.0
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) / self.rate
                self._sleep(wait)
                self._refill()
            self._tokens = max(self._tokens - 1.0, 0.0)
            self.stats.requests += 1
            self.stats.waited_s += wait
            return wait

    def update_rate(self, header_value: str | None) -> None:
        """Adopt the rate Amazon reports for this caller, when it reports one."""
        if not header_value:
            return
        try:
            rate = float(header_value)
        except ValueError:
            return
        if rate > 0:
            with self._lock:
                self.rate = rate

    def drain(self) -> None:
        """Empty the bucket after a 429, so the next call waits a full interval."""
        with self._lock:
            self._tokens = 0.0
            self._updated = self._clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now


class RateLimiters:
    """One bucket per (account, operation), shared by every client in a process."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        # A test passes a simulated clock and a sleep that advances it, so a
        # bucket of one request a minute can be exercised without waiting.
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, account_id: str, operation: str) -> TokenBucket:
        key = (account_id, operation)
        with self._lock:
            if key not in self._buckets:
                rate, burst = DOCUMENTED_RATES.get(operation, FALLBACK_RATE)
                self._buckets[key] = TokenBucket(
                    rate, burst, clock=self._clock, sleep=self._sleep
                )
            return self._buckets[key]


LIMITERS = RateLimiters()
