"""The sandbox world: the model's own `x-amzn-api-sandbox` static examples, as is."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vendor_recon.simulator.accounts import WorldAccount, default_accounts
from vendor_recon.simulator.api import ApiAnswer, ApiRequest, error_answer
from vendor_recon.simulator.model import SERVED_OPERATIONS, operation

# The examples are dated 2019 and 2020; the clock means nothing to them.
SANDBOX_CLOCK = datetime(2020, 8, 18, tzinfo=UTC)


@dataclass(frozen=True)
class SandboxExample:
    operation_id: str
    status_code: int
    # Parameter values as they arrive in a query string.
    parameters: dict[str, str]
    response: dict[str, Any]


def sandbox_examples(operation_id: str) -> list[SandboxExample]:
    """Every static sandbox example of an operation, in the model's order."""
    examples = []
    for status, response in operation(operation_id).responses.items():
        for example in response.get("x-amzn-api-sandbox", {}).get("static", []):
            parameters = example.get("request", {}).get("parameters", {})
            examples.append(
                SandboxExample(
                    operation_id=operation_id,
                    status_code=int(status),
                    parameters={
                        name: _query_value(spec["value"])
                        for name, spec in parameters.items()
                    },
                    response=example["response"],
                )
            )
    return examples


class SandboxWorld:
    """Answers a request with the example whose parameters it repeats exactly.

    An example without parameters answers everything no other example matches,
    as in Amazon's sandbox. Any account may ask; all get the same answers.
    """

    def __init__(self, accounts: Sequence[WorldAccount] | None = None):
        self.accounts = tuple(default_accounts() if accounts is None else accounts)
        self.default_clock = SANDBOX_CLOCK
        self._examples = {name: sandbox_examples(name) for name in SERVED_OPERATIONS}

    def respond(self, request: ApiRequest) -> ApiAnswer:
        examples = self._examples.get(request.operation_id)
        if examples is None:
            return error_answer(
                404, "NotFound", f"The sandbox has no {request.operation_id}."
            )
        known = operation(request.operation_id).parameter_names
        asked = {k: v for k, v in request.params.items() if k in known}
        exact = [e for e in examples if e.parameters == asked]
        fallback = [e for e in examples if not e.parameters]
        for example in exact or fallback:
            return ApiAnswer(example.status_code, copy.deepcopy(example.response))
        return error_answer(
            400,
            "InvalidInput",
            "The sandbox has no example for these parameters.",
            ", ".join(f"{k}={v}" for k, v in sorted(asked.items())),
        )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
