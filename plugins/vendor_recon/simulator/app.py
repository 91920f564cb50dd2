"""The simulator's Starlette app: LWA token exchange, SP-API routes, control routes."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vendor_recon.simulator.finance_api import ROUTES as FINANCE_ROUTES
from vendor_recon.simulator.report_api import report_routes
from vendor_recon.simulator.serving import (
    NO_ANSWER,
    operation_endpoint,
    world_answerer,
)
from vendor_recon.simulator.state import SimulatorState
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp
from vendor_recon.simulator.transactions import transaction_routes
from vendor_recon.simulator.world import json_default

log = logging.getLogger(__name__)

ORDERS = "/vendor/orders/v1"
HTTP_ERRORS = {
    404: ("NotFound", "Resource not found."),
    405: ("MethodNotAllowed", "The method is not allowed for this resource."),
}


def create_app(state: SimulatorState) -> ASGIApp:
    """The ASGI app over `state`; every request lands in `state.request_log()`."""

    def operation(operation_id: str) -> Callable[[Request], Awaitable[Response]]:
        return operation_endpoint(state, operation_id, world_answerer(state))

    async def token(request: Request) -> Response:
        return _token(state, dict(await request.form()))

    async def get_clock(request: Request) -> Response:
        return JSONResponse({"now": iso_seconds(state.now)})

    async def set_clock(request: Request) -> Response:
        try:
            state.set_now(parse_timestamp(json.loads(await request.body())["now"]))
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"expected {{'now': ISO-8601}}: {exc}"}, 400)
        log.info("simulator clock set to %s", iso_seconds(state.now))
        return JSONResponse({"now": iso_seconds(state.now)})

    async def ground_truth(request: Request) -> Response:
        text = request.query_params.get("as_of")
        try:
            as_of = parse_timestamp(text) if text else state.now
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        rows = state.ground_truth(as_of)
        if rows is None:
            return JSONResponse({"error": "this world has no ground truth"}, 404)
        body = json.dumps(rows, default=json_default)
        return Response(body, media_type="application/json")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code, message = HTTP_ERRORS.get(status, ("InternalFailure", "Internal error."))
        error = {"code": code, "message": message, "details": ""}
        return JSONResponse(
            {"errors": [error]}, status, headers={"x-amzn-RequestId": _request_id()}
        )

    routes = [
        Route("/auth/o2/token", token, methods=["POST"]),
        Route(f"{ORDERS}/purchaseOrders", operation("getPurchaseOrders")),
        Route(
            f"{ORDERS}/purchaseOrders/{{purchaseOrderNumber}}",
            operation("getPurchaseOrder"),
        ),
        Route(f"{ORDERS}/purchaseOrdersStatus", operation("getPurchaseOrdersStatus")),
        Route("/_simulator/clock", get_clock, methods=["GET"]),
        Route("/_simulator/clock", set_clock, methods=["POST"]),
        Route("/_simulator/ground-truth", ground_truth, methods=["GET"]),
        *report_routes(state),
        *(Route(path, operation(name)) for path, name in FINANCE_ROUTES),
        *transaction_routes(state),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: http_error},
    )
    return RequestLog(app, state)


class RequestLog:
    """ASGI wrapper writing (method, path, query, status) of every request."""

    def __init__(self, app: ASGIApp, state: SimulatorState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), True))
        logged = False

        async def log_then_send(message: Message) -> None:
            nonlocal logged
            # Log before the status leaves: a client that reads the log right
            # after its answer must find its request there.
            if message["type"] == "http.response.start" and not logged:
                logged = True
                self.state.log(scope["method"], scope["path"], query, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, log_then_send)
        finally:
            if not logged:
                # 0: the connection was reset on purpose, nothing was answered.
                dropped = scope.get("state", {}).get(NO_ANSWER, False)
                status = 0 if dropped else 500
                self.state.log(scope["method"], scope["path"], query, status)


def _token(state: SimulatorState, form: dict[str, Any]) -> Response:
    """Login with Amazon's refresh-token grant, answered as LWA answers."""
    if form.get("grant_type") != "refresh_token":
        return _lwa_error(
            "unsupported_grant_type", "The authorization grant type is not supported."
        )
    missing = [
        name
        for name in ("refresh_token", "client_id", "client_secret")
        if not form.get(name)
    ]
    if missing:
        return _lwa_error(
            "invalid_request", f"Missing required parameter(s): {', '.join(missing)}"
        )
    account = state.account_by_refresh_token(str(form["refresh_token"]))
    if account is None:
        return _lwa_error(
            "invalid_grant", "The request has an invalid grant parameter."
        )
    if (form["client_id"], form["client_secret"]) != (
        account.lwa_client_id,
        account.lwa_client_secret,
    ):
        return _lwa_error(
            "invalid_grant", "Client authentication failed for this refresh token."
        )
    return JSONResponse(
        {
            "access_token": state.issue_access_token(account),
            "token_type": "bearer",
            "expires_in": int(state.token_lifetime_s),
            "refresh_token": account.refresh_token,
        },
        headers={"x-amzn-RequestId": _request_id()},
    )


def _lwa_error(error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, 400)


def _request_id() -> str:
    return str(uuid.uuid4())
