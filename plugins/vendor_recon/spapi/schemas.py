"""Amazon's published models as JSON Schema: parameter names and record shapes."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

_MISSING = re.compile(r"^'(.+)' is a required property$")

MODEL_FILES = {
    "getPurchaseOrders": "vendorOrders.json",
    "getPurchaseOrder": "vendorOrders.json",
    "getPurchaseOrdersStatus": "vendorOrders.json",
    "submitInvoices": "vendorInvoices.json",
    "submitShipmentConfirmations": "vendorShipments.json",
    "getInvoiceHeaders": "financesInvoices_2026-06-25.json",
    "getInvoice": "financesInvoices_2026-06-25.json",
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
    """A validator for one `#/definitions/...` entry of a Swagger 2.0 model.

    References are inlined once: resolving `$ref` on every record cost about
    half the validation time of a backfill (benchmarks/extract_backfill.py).
    Draft 7 ignores a reference's siblings, so inlining changes no verdict; a
    recursive reference stays a reference and resolves against `definitions`.
    """
    definitions = load_model(file_name)["definitions"]
    schema = _inline(definitions[definition], definitions, (definition,))
    return Draft7Validator({**schema, "definitions": definitions})


def _inline(node: Any, definitions: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/definitions/"):
        name = reference.removeprefix("#/definitions/")
        if name in seen or name not in definitions:
            return node
        return _inline(definitions[name], definitions, (*seen, name))
    return {key: _inline(value, definitions, seen) for key, value in node.items()}


def record_errors(
    file_name: str, definition: str, record: Any
) -> list[tuple[str, str]]:
    """Each problem as (field path, message); a missing property names itself.

    Enum spellings are skipped for the reason given in `record_problems`.
    """
    validator = definition_validator(file_name, definition)
    found = []
    errors = (e for e in validator.iter_errors(record) if e.validator != "enum")
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        parts = [str(part) for part in error.absolute_path]
        missing = _MISSING.match(error.message)
        if error.validator == "required" and missing:
            parts.append(missing.group(1))
        found.append((".".join(parts) or "(record)", error.message))
    return found


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


@cache
def json_schema_validator(file_name: str) -> Draft7Validator:
    """A validator for a whole JSON Schema file (the vendor report schemas)."""
    return Draft7Validator(load_model(file_name))


def json_schema_problems(file_name: str, document: Any) -> list[str]:
    """Like record_problems, for a document described by a JSON Schema file."""
    validator = json_schema_validator(file_name)
    problems = []
    errors = (e for e in validator.iter_errors(document) if e.validator != "enum")
    for error in sorted(errors, key=lambda e: list(e.path)):
        where = ".".join(str(part) for part in error.absolute_path) or "(document)"
        problems.append(f"{where}: {error.message}")
    return problems
