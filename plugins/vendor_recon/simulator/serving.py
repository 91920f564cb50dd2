"""One SP-API operation served: token check, planned fault, rate limit, answer."""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
import struct
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from vendor_recon.simulator import exact_json, paging
from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.api import ApiAnswer, ApiRequest
from vendor_recon.simulator.faults import (
    EXPIRED,
    QUOTA_EXCEEDED,
    Delay,
    Drop,
    FaultAnswer,
    FaultContext,
    FaultRequest,
    Outcome,
)
from vendor_recon.simulator.queries import InvalidInput, Params
from vendor_recon.simulator.ratelimit import rate_limit_header

if TYPE_CHECKING:
    from vendor_recon.simulator.state import SimulatorState

log = logging.getLogger(__name__)

UNAUTHORIZED = {
    "errors": [
        {
            "code": "Unauthorized",
            "message": "Access to requested resource is denied.",
            "details": "",
        }
    ]
}
# Set in the ASGI scope's state when a request got no answer at all.
NO_ANSWER = "simulator_no_answer"


@dataclass(frozen=True)
class OperationCall:
    """One authenticated request of an operation, as a handler sees it."""

    operation_id: str
    account: WorldAccount
    # Query and path parameters, unknown names included (handlers ignore them).
    params: Mapping[str, str]
    body: bytes
    as_of: datetime
    # The simulator's own base URL, from the socket: clients send odd Host headers.
    base_url: str
    hints: Mapping[str, Any] = field(default_factory=dict)

    def api_request(self) -> ApiRequest:
        return ApiRequest(self.operation_id, self.account, self.params, self.as_of)


Answerer = Callable[[OperationCall], ApiAnswer | FaultAnswer]


def world_answerer(state: SimulatorState) -> Answerer:
    """Answers from the state's world, as changed by successful submissions."""
    world = state.view if state.view is not None else state.world
    return lambda call: world.respond(call.api_request())


def operation_endpoint(
    state: SimulatorState, operation_id: str, answer: Answerer
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving one operation through `serve_operation`."""

    async def handle(request: Request) -> Response:
        return await serve_operation(state, request, operation_id, answer)

    return handle


async def serve_operation(
    state: SimulatorState, request: Request, operation_id: str, answerer: Answerer
) -> Response:
    """Auth, faults, rate limit, then the handler's answer, with Amazon's headers."""
    check = state.check_access_token(request.headers.get("x-amz-access-token"))
    if check.account is None:
        body = EXPIRED if check.problem == "expired" else UNAUTHORIZED
        return json_response(body, 403, operation_id)

    params = {**request.query_params, **request.path_params}
    call = OperationCall(
        operation_id=operation_id,
        account=check.account,
        params=params,
        body=await request.body(),
        as_of=state.now,
        base_url=own_base_url(request),
    )
    fault = state.faults.next_fault(FaultRequest(operation_id, params))
    real_answer = _real_answer(state, call, answerer)
    if fault is None:
        return to_response(real_answer(), operation_id, real_answer)

    log.info("serving a planned %s for %s", type(fault).__name__, operation_id)
    context = FaultContext(
        request=FaultRequest(operation_id, params),
        real_answer=real_answer,
        expire_tokens=state.expire_tokens,
        first_page_token=lambda: _first_page_token(call),
    )
    return to_response(fault.serve(context), operation_id, real_answer)


async def serve_unauthenticated(
    state: SimulatorState,
    request: Request,
    operation_id: str,
    answer: Callable[..., ApiAnswer | FaultAnswer],
) -> Response:
    """A route outside SP-API (a document URL): no token, no rate limit, faults."""
    params = {**request.query_params, **request.path_params}
    fault = state.faults.next_fault(FaultRequest(operation_id, params))
    if fault is None:
        return to_response(answer(), operation_id, answer)
    log.info("serving a planned %s for %s", type(fault).__name__, operation_id)
    context = FaultContext(FaultRequest(operation_id, params), real_answer=answer)
    return to_response(fault.serve(context), operation_id, answer)


def to_response(
    outcome: Outcome, operation_id: str, real_answer: Callable[[], Any]
) -> Response:
    """The HTTP response for an answer or a fault's outcome."""
    if isinstance(outcome, ApiAnswer):
        return json_response(outcome.body, outcome.status_code, operation_id)
    if isinstance(outcome, FaultAnswer):
        headers = headers_for(operation_id, outcome.rate_limit_header)
        headers.update(dict(outcome.headers))
        return Response(
            outcome.body,
            outcome.status_code,
            headers=headers,
            media_type=outcome.content_type,
        )
    if isinstance(outcome, Drop):
        return DroppedResponse()
    if isinstance(outcome, Delay):
        then = outcome.then if outcome.then is not None else real_answer()
        return DelayedResponse(
            outcome.seconds, to_response(then, operation_id, real_answer)
        )
    raise TypeError(f"a fault served {type(outcome).__name__}, not an outcome")


def json_response(body: dict[str, Any], status: int, operation_id: str) -> Response:
    # exact_json: the Finances API's amounts are Decimals written as JSON numbers.
    return Response(
        exact_json.dumps(body),
        status,
        headers=headers_for(operation_id, True),
        media_type="application/json",
    )


def headers_for(operation_id: str, with_rate_limit: bool) -> dict[str, str]:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if with_rate_limit:
        headers["x-amzn-RateLimit-Limit"] = rate_limit_header(operation_id)
    return headers


def own_base_url(request: Request) -> str:
    host, port = request.scope.get("server") or ("127.0.0.1", 80)
    return f"http://{host}:{port}"


class DroppedResponse(Response):
    """Resets the connection instead of answering (uvicorn's h11 protocol)."""

    def __init__(self) -> None:
        super().__init__(b"", 500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # ASGI has no "abort"; uvicorn's receive is a method of the request
        # cycle, which holds the transport. Linger 0 turns the close into a RST.
        transport = getattr(getattr(receive, "__self__", None), "transport", None)
        if transport is None:
            raise RuntimeError("this server does not expose its transport to reset")
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        transport.abort()
        scope.setdefault("state", {})[NO_ANSWER] = True
        # Let the loop run connection_lost, so uvicorn knows not to answer.
        await asyncio.sleep(0)


class DelayedResponse(Response):
    """Sends `inner` only after a pause."""

    def __init__(self, seconds: float, inner: Response) -> None:
        super().__init__(b"", inner.status_code)
        self.seconds = seconds
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(self.seconds)
        await self.inner(scope, receive, send)


def _real_answer(
    state: SimulatorState, call: OperationCall, answerer: Answerer
) -> Callable[..., ApiAnswer | FaultAnswer]:
    """The handler's answer, the rate limit consumed once per request."""
    allowed: list[bool] = []

    def answer(
        params: Mapping[str, str] | None = None, **hints: Any
    ) -> ApiAnswer | FaultAnswer:
        if not allowed:
            allowed.append(
                state.rate_limiter.allow(call.account.account_id, call.operation_id)
            )
        if not allowed[0]:
            return ApiAnswer(429, copy.deepcopy(QUOTA_EXCEEDED))
        asked = replace(call, params={**call.params, **(params or {})}, hints=hints)
        return answerer(asked)

    return answer


def _first_page_token(call: OperationCall) -> str | None:
    # Only the vendor orders operations page with the simulator's own tokens.
    first = {k: v for k, v in call.params.items() if k != "nextToken"}
    try:
        fingerprint, _ = Params(replace(call, params=first).api_request()).paging()
    except (KeyError, InvalidInput):
        return None
    return paging.encode_token(0, fingerprint)
