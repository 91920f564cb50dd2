"""Check a response body against the model's Swagger 2.0 response definitions."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from vendor_recon.simulator.model import load_model, operation
from vendor_recon.simulator.timestamps import is_timestamp

# The model gives Decimal's pattern only in prose; enforce it, it is the contract.
DECIMAL_PATTERN = r"^-?(0|([1-9]\d*))(\.\d+)?([eE][+-]?\d+)?$"


class ResponseValidationError(ValueError):
    """A body that does not match the model, with every violation listed."""


def validate_response(operation_id: str, status_code: int, body: Any) -> None:
    """Raise ResponseValidationError unless `body` is what the model promises.

    Success bodies must carry `payload`, error bodies a non-empty `errors` list
    (the model allows either in both, Amazon sends one).
    """
    definition = response_definition(operation_id, status_code)
    validator = _validator(definition, success=200 <= status_code < 300)
    problems = sorted(
        validator.iter_errors(body), key=lambda error: list(error.absolute_path)
    )
    if problems:
        listed = "; ".join(
            f"at {'/'.join(map(str, p.absolute_path)) or '(root)'}: {p.message}"
            for p in problems[:10]
        )
        raise ResponseValidationError(
            f"{operation_id} {status_code}: {len(problems)} problem(s): {listed}"
        )


def response_definition(operation_id: str, status_code: int) -> str:
    """The `#/definitions/...` name the model gives a response of this status."""
    response = operation(operation_id).responses.get(str(status_code))
    if response is None or "schema" not in response:
        raise ResponseValidationError(
            f"{operation_id}: the model declares no {status_code} response"
        )
    return response["schema"]["$ref"].rsplit("/", 1)[-1]


@cache
def _validator(definition: str, success: bool) -> Draft4Validator:
    definitions = copy.deepcopy(load_model()["definitions"])
    definitions["Decimal"]["pattern"] = DECIMAL_PATTERN
    shape = (
        {"required": ["payload"]}
        if success
        else {"required": ["errors"], "properties": {"errors": {"minItems": 1}}}
    )
    schema = {
        "allOf": [{"$ref": f"#/definitions/{definition}"}, shape],
        "definitions": definitions,
    }
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_timestamp)
    return Draft4Validator(schema, format_checker=checker)
