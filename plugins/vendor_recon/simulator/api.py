"""What the HTTP layer hands a simulated API and gets back, whatever world answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from vendor_recon.simulator.accounts import WorldAccount


@dataclass(frozen=True)
class ApiRequest:
    operation_id: str
    account: WorldAccount
    # Query and path parameters, one value each, unknown names included: an
    # answer ignores the names the operation does not document.
    params: Mapping[str, str]
    as_of: datetime


@dataclass(frozen=True)
class ApiAnswer:
    status_code: int
    body: dict[str, Any]


class SimulatedApi(Protocol):
    """The interface SimulatorServer needs from a world."""

    @property
    def accounts(self) -> Sequence[WorldAccount]: ...

    @property
    def default_clock(self) -> datetime: ...

    def respond(self, request: ApiRequest) -> ApiAnswer: ...


def error_answer(
    status_code: int, code: str, message: str, details: str = ""
) -> ApiAnswer:
    """An SP-API error: an `errors` list of one Error."""
    return ApiAnswer(
        status_code,
        {"errors": [{"code": code, "message": message, "details": details}]},
    )
