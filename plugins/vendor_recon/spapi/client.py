"""python-amazon-sp-api clients per account, with limits, retries and status checks.

The library raises only when a body carries an `errors` list, never retries,
ignores the rate header and caches access tokens past a 403. This module wraps
one page request at a time so that each of those gaps is closed here.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from sp_api.auth import AccessTokenClient
from sp_api.auth import access_token_client as token_cache_module
from sp_api.auth._core import build_cache_key
from sp_api.base import exceptions as sp_exceptions
from sp_api.base._transport_httpx import HttpxTransport
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from vendor_recon.config import VendorAccount
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import (
    ExtractionError,
    MissingRoleError,
    TransientApiError,
)
from vendor_recon.spapi.ratelimit import LIMITERS, RateLimiters

log = logging.getLogger(__name__)

# The library logs request headers, access token included, at DEBUG.
logging.getLogger("sp_api").setLevel(logging.INFO)

EXPIRED_TOKEN_CODES = {"Unauthorized", "InvalidToken", "ExpiredToken"}
EXPIRED_TOKEN_HINTS = ("expired", "invalid token")


@dataclass(frozen=True)
class EndpointMarketplace:
    """Stands in for sp_api's Marketplaces enum: the library reads these three."""

    endpoint: str
    marketplace_id: str
    region: str


@dataclass
class RetryPolicy:
    attempts: int = 6
    max_total_s: float = 120.0
    initial_wait_s: float = 0.5
    max_wait_s: float = 30.0
    timeout_s: float = 20.0


@dataclass
class CallStats:
    # SP-API requests; a report document's download is no SP-API request.
    requests: int = 0
    # Attempts repeated by the retry policy, report document downloads included.
    retries: int = 0
    throttled: int = 0
    token_refreshes: int = 0
    limiter_wait_s: float = 0.0
    # Seconds slept between attempts by the retry policy (limiter waits apart).
    backoff_s: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "throttled": self.throttled,
            "token_refreshes": self.token_refreshes,
            "limiter_wait_s": round(self.limiter_wait_s, 3),
            "backoff_s": round(self.backoff_s, 3),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
        }


class _LastResponse:
    """Filled by an httpx hook: the library's ApiResponse drops the status code."""

    def __init__(self):
        self.status_code: int | None = None
        self.headers: httpx.Headers | None = None

    def on_request(self, request: httpx.Request) -> None:
        # The library derives Host by cutting 8 characters off the endpoint,
        # which is wrong for http:// URLs; set it from the real URL.
        request.headers["host"] = request.url.netloc.decode("ascii")
        self.status_code = None
        self.headers = None
        self.content = b""

    def on_response(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        # Read now so that `exact_body` can parse the same bytes the library does.
        self.content = response.read()

    def exact_body(self) -> dict[str, Any]:
        """The JSON body with numbers as Decimal: the Finances API sends money as
        JSON numbers, which the library's float parsing would round.

        Raises ValueError for a body that is not whole JSON (a connection cut
        mid-answer); an empty body is an empty object, which the payload check
        then refuses.
        """
        body = json.loads(self.content or b"{}", parse_float=Decimal)
        return body if isinstance(body, dict) else {}


def token_client_class(token_url: str) -> type[AccessTokenClient]:
    """An AccessTokenClient aimed at `token_url` (the library's supported hook)."""
    parts = urlsplit(token_url)
    return type(
        "ConfiguredAccessTokenClient",
        (AccessTokenClient,),
        {"scheme": f"{parts.scheme}://", "host": parts.netloc, "path": parts.path},
    )


class AccountApi:
    """All SP-API calls of one vendor account go through `call`."""

    def __init__(
        self,
        account: VendorAccount,
        credentials: SpApiCredentials,
        *,
        policy: RetryPolicy | None = None,
        limiters: RateLimiters = LIMITERS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.account = account
        self.credentials = credentials
        self.policy = policy or RetryPolicy()
        self.limiters = limiters
        self.sleep = sleep
        self.stats = CallStats()
        self._clients: dict[type, Any] = {}
        self._last = _LastResponse()

    def client(self, api_class: type) -> Any:
        """One library client per API class, aimed at the account's endpoint."""
        if api_class not in self._clients:
            marketplace = EndpointMarketplace(
                endpoint=self.credentials.endpoint or self.account.default_endpoint,
                marketplace_id=self.account.primary_marketplace_id,
                region=self.account.region,
            )
            client = api_class(
                marketplace=marketplace,
                credentials={
                    "refresh_token": self.credentials.refresh_token,
                    "lwa_app_id": self.credentials.lwa_app_id,
                    "lwa_client_secret": self.credentials.lwa_client_secret,
                },
                credential_providers=[_code_credentials_provider()],
                auth_token_client_class=token_client_class(
                    self.credentials.lwa_token_url
                ),
                timeout=self.policy.timeout_s,
            )
            client._transport = HttpxTransport(
                client=httpx.Client(
                    timeout=self.policy.timeout_s,
                    event_hooks={
                        "request": [self._last.on_request],
                        "response": [self._last.on_response],
                    },
                )
            )
            self._clients[api_class] = client
        return self._clients[api_class]

    def call(
        self,
        operation: str,
        request: Callable[..., Any],
        params: dict[str, Any],
        *,
        check: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Send one request with limiter and retries; return (body, headers).

        The body is the whole JSON document Amazon sent, numbers as Decimal.
        `check`, when given, looks at each 2xx body and may raise
        TransientApiError to ask the same request again under the same policy.

        Raises ExtractionError (or a subclass) once retrying cannot help.
        """
        bucket = self.limiters.bucket(self.account.account_id, operation)
        refreshed = {"done": False}

        def attempt() -> tuple[dict[str, Any], dict[str, str]]:
            self.stats.limiter_wait_s += bucket.acquire()
            self.stats.requests += 1
            try:
                response = request(**dict(params))
            except sp_exceptions.SellingApiRequestThrottledException as exc:
                self._count(429)
                bucket.drain()
                self.stats.throttled += 1
                raise TransientApiError(
                    self.account.account_id,
                    operation,
                    "throttled (429)",
                    status_code=429,
                    throttled=True,
                ) from exc
            except sp_exceptions.SellingApiForbiddenException as exc:
                self._count(403)
                # The library caches access tokens past a 403, so the first 403
                # may be a stale or expired token: refresh once. A 403 that a
                # fresh token does not cure is a missing role; fail fast.
                if not refreshed["done"]:
                    refreshed["done"] = True
                    self._drop_cached_token()
                    reason = "expired" if _looks_expired(exc) else "refused"
                    raise TransientApiError(
                        self.account.account_id,
                        operation,
                        f"access token {reason} (403), refreshed it",
                        status_code=403,
                    ) from exc
                raise MissingRoleError(
                    self.account.account_id,
                    operation,
                    "403 Forbidden: the app lacks the role this operation needs "
                    f"({_role_for(operation)}); Amazon said: {_message(exc)}",
                ) from exc
            except (
                sp_exceptions.SellingApiServerException,
                sp_exceptions.SellingApiTemporarilyUnavailableException,
                sp_exceptions.SellingApiGatewayTimeoutException,
            ) as exc:
                self._count(exc.code)
                raise TransientApiError(
                    self.account.account_id,
                    operation,
                    f"server error {exc.code}: {_message(exc)}",
                    status_code=exc.code,
                ) from exc
            except sp_exceptions.SellingApiBadRequestException as exc:
                self._count(400)
                if params.get("nextToken") and _message(exc):
                    # Amazon sometimes refuses a valid nextToken mid-paging and
                    # accepts it on the next try.
                    raise TransientApiError(
                        self.account.account_id,
                        operation,
                        f"page token refused (400): {_message(exc)}",
                        status_code=400,
                    ) from exc
                raise ExtractionError(
                    self.account.account_id,
                    operation,
                    f"request refused (400) for {_describe(params)}: {_message(exc)}",
                ) from exc
            except sp_exceptions.SellingApiException as exc:
                self._count(getattr(exc, "code", 0))
                raise ExtractionError(
                    self.account.account_id,
                    operation,
                    f"request failed ({exc.code}): {_message(exc)}",
                ) from exc
            except (httpx.TransportError, httpx.DecodingError) as exc:
                raise TransientApiError(
                    self.account.account_id,
                    operation,
                    f"network error: {type(exc).__name__}",
                ) from exc

            status = self._last.status_code or 0
            headers = dict(self._last.headers or {})
            self._count(status)
            bucket.update_rate(headers.get("x-amzn-ratelimit-limit"))
            if status == 429:
                # A 429 with an empty body does not raise in the library.
                bucket.drain()
                self.stats.throttled += 1
                raise TransientApiError(
                    self.account.account_id,
                    operation,
                    "throttled (429, no error body)",
                    status_code=429,
                    throttled=True,
                )
            if status >= 500:
                raise TransientApiError(
                    self.account.account_id,
                    operation,
                    f"server error {status} without an error body",
                    status_code=status,
                )
            if not 200 <= status < 300:
                raise ExtractionError(
                    self.account.account_id,
                    operation,
                    f"unexpected HTTP {status} without an error body",
                )
            del response  # its payload holds floats; the exact body replaces it
            try:
                body = self._last.exact_body()
            except ValueError as exc:
                # Cut short in transit: the same request usually answers whole.
                raise TransientApiError(
                    self.account.account_id,
                    operation,
                    f"HTTP {status} answer is not whole JSON "
                    f"({len(self._last.content)} bytes; truncated?): {exc}",
                    status_code=status,
                ) from exc
            if check is not None:
                check(body)
            return body, headers

        return self.retry(attempt)

    def retry(self, attempt: Callable[[], Any]) -> Any:
        """Run `attempt` under the page retry policy and return what it returns.

        A TransientApiError is retried with jittered exponential backoff,
        bounded in attempts and total time, and counted in `stats`; the last
        one is raised when the policy runs out. Anything else is raised at once.
        """
        retrying = Retrying(
            retry=retry_if_exception_type(TransientApiError),
            stop=(
                stop_after_attempt(self.policy.attempts)
                | stop_after_delay(self.policy.max_total_s)
            ),
            wait=wait_random_exponential(
                multiplier=self.policy.initial_wait_s, max=self.policy.max_wait_s
            ),
            sleep=self.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(attempt)

    def _log_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        wait = state.next_action.sleep if state.next_action else 0.0
        self.stats.backoff_s += wait
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "retrying after attempt %s (waiting %.2fs): %s",
            state.attempt_number,
            wait,
            exc,
        )

    def _count(self, status: int) -> None:
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1

    def _drop_cached_token(self) -> None:
        self.stats.token_refreshes += 1
        key = build_cache_key(self.credentials.refresh_token)
        token_cache_module.cache.pop(key, None)


def _code_credentials_provider():
    from sp_api.base.credential_provider import FromCodeCredentialProvider

    return FromCodeCredentialProvider


def _looks_expired(exc: sp_exceptions.SellingApiException) -> bool:
    """Amazon answers an expired access token with a 403 that says so."""
    code = getattr(exc, "amzn_code", "") or ""
    text = _message(exc).lower()
    return code in EXPIRED_TOKEN_CODES - {"Unauthorized"} or any(
        hint in text for hint in EXPIRED_TOKEN_HINTS
    )


def _message(exc: sp_exceptions.SellingApiException) -> str:
    message = getattr(exc, "message", None) or ""
    details = ""
    if getattr(exc, "error", None):
        details = (exc.error[0] or {}).get("details") or ""
    return f"{message} {details}".strip()


def _describe(params: dict[str, Any]) -> str:
    shown = {k: v for k, v in params.items() if k != "nextToken"}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) or "no parameters"


# The SP-API role each operation needs, as named in Developer Central.
_ORDERS_ROLE = "the vendor role that grants Retail Procurement Orders"
ROLES = {
    "getPurchaseOrders": _ORDERS_ROLE,
    "getPurchaseOrder": _ORDERS_ROLE,
    "getPurchaseOrdersStatus": _ORDERS_ROLE,
    "getInvoiceHeaders": "the role that grants the Finances Invoices API",
    "getInvoice": "the role that grants the Finances Invoices API",
}


def _role_for(operation: str) -> str:
    return ROLES.get(operation, "see the operation's documentation")
