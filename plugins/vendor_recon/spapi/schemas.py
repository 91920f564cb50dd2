"""Amazon's published models as JSON Schema: parameter names and record shapes."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

MODEL_FILES = {
    "getPurchaseOrders": "vendorOrders.json",
    "getPurchaseOrder": "vendorOrders.json",
    "getPurchaseOrdersStatus": "vendorOrders.json",
}


@cache
def load_model(file_name: str) -> dict[str, Any]:
    package = resources.files("vendor_recon.simulator") / "models" / file_name
    return json.loads(package.read_text(encoding="utf-8"))


@cache
def operation_parameters(operation_id: str) -> frozenset[str]:
    """Query and path parameter names the model documents for an operation."""
    model = load_model(MODEL_FILES[operation_id])
    for methods in model["paths"].values():
        for operation in methods.values():
            if isinstance(operation, dict) and operation.get("operationId") == (
                operation_id
            ):
                return frozenset(p["name"] for p in operation.get("parameters", []))
    raise KeyError(operation_id)


@cache
def definition_validator(file_name: str, definition: str) -> Draft7Validator:
    """A validator for one `#/definitions/...` entry of a Swagger 2.0 model."""
    model = load_model(file_name)
    schema = {
        "$ref": f"#/definitions/{definition}",
        "definitions": model["definitions"],
    }
    return Draft7Validator(schema)


def record_problems(file_name: str, definition: str, record: Any) -> list[str]:
    """Each problem as 'field.path: message', empty when the record fits the model.

    Enum spellings are not problems: Amazon itself sends 'CASES' where its model
    says 'Cases', and quarantining such an order would hide it from the marts;
    staging compares enum values case-insensitively instead.
    """
    validator = definition_validator(file_name, definition)
    problems = []
    errors = (e for e in validator.iter_errors(record) if e.validator != "enum")
    for error in sorted(errors, key=lambda e: list(e.path)):
        where = ".".join(str(part) for part in error.absolute_path) or "(record)"
        problems.append(f"{where}: {error.message}")
    return problems
