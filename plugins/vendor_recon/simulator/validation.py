"""Check a response body against the model's Swagger 2.0 response definitions."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from vendor_recon.simulator.model import MODEL_FILE, load_model, operation
from vendor_recon.simulator.timestamps import is_timestamp

# The model gives Decimal's pattern only in prose; enforce it, it is the contract.
DECIMAL_PATTERN = r"^-?(0|([1-9]\d*))(\.\d+)?([eE][+-]?\d+)?$"


# The Finances Invoices API answers bare bodies (no `payload`) from its own model.
FINANCE_MODEL_FILE = "financesInvoices_2026-06-25.json"
FINANCE_OPERATIONS = ("getInvoiceHeaders", "getInvoice")


class ResponseValidationError(ValueError):
    """A body that does not match the model, with every violation listed."""


def validate_response(operation_id: str, status_code: int, body: Any) -> None:
    """Raise ResponseValidationError unless `body` is what the model promises.

    Success bodies must carry `payload` (not those of the Finances Invoices
    API, which has none), error bodies a non-empty `errors` list (the model
    allows either in both, Amazon sends one).
    """
    definition = response_definition(operation_id, status_code)
    model_file = (
        FINANCE_MODEL_FILE if operation_id in FINANCE_OPERATIONS else MODEL_FILE
    )
    validator = _validator(definition, 200 <= status_code < 300, model_file)
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
    if operation_id in FINANCE_OPERATIONS:
        responses = _finance_responses()[operation_id]
    else:
        responses = operation(operation_id).responses
    response = responses.get(str(status_code))
    if response is None or "schema" not in response:
        raise ResponseValidationError(
            f"{operation_id}: the model declares no {status_code} response"
        )
    return response["schema"]["$ref"].rsplit("/", 1)[-1]


@cache
def _finance_model() -> dict[str, Any]:
    model_file = resources.files(__package__) / "models" / FINANCE_MODEL_FILE
    return json.loads(model_file.read_text(encoding="utf-8"))


@cache
def _finance_responses() -> dict[str, dict[str, Any]]:
    return {
        spec["operationId"]: spec["responses"]
        for methods in _finance_model()["paths"].values()
        for spec in methods.values()
        if isinstance(spec, dict) and "operationId" in spec
    }


@cache
def _validator(
    definition: str, success: bool, model_file: str = MODEL_FILE
) -> Draft4Validator:
    finance = model_file == FINANCE_MODEL_FILE
    model = _finance_model() if finance else load_model()
    definitions = copy.deepcopy(model["definitions"])
    if "Decimal" in definitions:
        definitions["Decimal"]["pattern"] = DECIMAL_PATTERN
    errors = {"required": ["errors"], "properties": {"errors": {"minItems": 1}}}
    if finance:
        shape = {} if success else errors
    else:
        shape = {"required": ["payload"]} if success else errors
    schema = {
        "allOf": [{"$ref": f"#/definitions/{definition}"}, shape],
        "definitions": definitions,
    }
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_timestamp)
    return Draft4Validator(schema, format_checker=checker)
