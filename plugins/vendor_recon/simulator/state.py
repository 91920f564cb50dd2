"""What a running simulator remembers: clock, issued tokens, request log, limits."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.amazon_view import AmazonRecords, AmazonView
from vendor_recon.simulator.api import SimulatedApi
from vendor_recon.simulator.faults import FaultPlan
from vendor_recon.simulator.ratelimit import RateLimiter
from vendor_recon.simulator.timestamps import require_utc
from vendor_recon.simulator.transactions import TransactionDesk


class LoggedRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    status: int


class TokenCheck(NamedTuple):
    account: WorldAccount | None
    # Why there is no account: "missing", "unknown" or "expired".
    problem: str | None


class SimulatorState:
    def __init__(
        self,
        world: SimulatedApi,
        *,
        clock: datetime | None,
        token_lifetime_s: float,
        rate_limits: bool,
        faults: FaultPlan | None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.world = world
        # The vendor's submissions, and the world with the successful ones in
        # (None for the sandbox, whose fixed examples no submission changes).
        self.transactions = TransactionDesk()
        self.view = (
            AmazonView(world, self.transactions)
            if isinstance(world, AmazonRecords)
            else None
        )
        self.token_lifetime_s = token_lifetime_s
        self.rate_limiter = RateLimiter(enabled=rate_limits, clock=monotonic)
        self.faults = faults if faults is not None else FaultPlan()
        self._monotonic = monotonic
        self._now = require_utc(clock or world.default_clock, "clock")
        self._tokens: dict[str, tuple[WorldAccount, float]] = {}
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()

    @property
    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set_now(self, moment: datetime) -> None:
        moment = require_utc(moment, "clock")
        with self._lock:
            passed = (moment - self._now).total_seconds()
            self._now = moment
        self.rate_limiter.elapse(passed)

    def account_by_refresh_token(self, refresh_token: str) -> WorldAccount | None:
        offered = refresh_token.encode()
        for account in self.world.accounts:
            if secrets.compare_digest(account.refresh_token.encode(), offered):
                return account
        return None

    def issue_access_token(self, account: WorldAccount) -> str:
        token = "Atza|sim-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (account, self._monotonic() + self.token_lifetime_s)
        return token

    def check_access_token(self, token: str | None) -> TokenCheck:
        if not token:
            return TokenCheck(None, "missing")
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None:
            return TokenCheck(None, "unknown")
        account, expires_at = issued
        if self._monotonic() >= expires_at:
            return TokenCheck(None, "expired")
        return TokenCheck(account, None)

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (new ones still work)."""
        now = self._monotonic()
        with self._lock:
            self._tokens = {t: (a, min(e, now)) for t, (a, e) in self._tokens.items()}

    def log(self, method: str, path: str, query: dict[str, str], status: int) -> None:
        with self._lock:
            self._log.append(LoggedRequest(method, path, query, status))

    def request_log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def ground_truth(self, as_of: datetime) -> list[dict[str, Any]] | None:
        """The world's ground truth, or None for worlds that have none (sandbox)."""
        reader = getattr(self.world, "ground_truth_po_lines", None)
        return None if reader is None else reader(as_of)
