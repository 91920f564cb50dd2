"""Amazon's models and report schemas from the package, and validators over them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator, Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from vendor_recon.simulator.timestamps import is_timestamp
from vendor_recon.simulator.validation import DECIMAL_PATTERN


@cache
def load_model_file(name: str) -> dict[str, Any]:
    """A JSON file of the package's models folder, parsed (do not mutate it)."""
    path = resources.files(__package__) / "models" / name
    return json.loads(path.read_text(encoding="utf-8"))


def body_problems(
    model_file: str, definition: str, body: Any, non_empty: str | None = None
) -> list[str]:
    """What is wrong with a request body, by the model's definition; [] if fine.

    `non_empty` names a list member that must hold at least one element: the
    models allow an empty submission, Amazon does not take one.
    """
    validator = _swagger_validator(model_file, definition, non_empty)
    return _listed(validator.iter_errors(body))


def swagger_problems(model_file: str, definition: str, body: Any) -> list[str]:
    """What is wrong with a response body, by a Swagger 2.0 definition."""
    return _listed(_swagger_validator(model_file, definition, None).iter_errors(body))


def report_problems(schema_file: str, document: Any) -> list[str]:
    """What is wrong with a report document, by its JSON Schema (draft-07)."""
    return _listed(_report_validator(schema_file).iter_errors(document))


@cache
def _swagger_validator(
    model_file: str, definition: str, non_empty: str | None
) -> Draft4Validator:
    definitions = copy.deepcopy(load_model_file(model_file)["definitions"])
    if "Decimal" in definitions:
        # The pattern is given only in prose; it is the contract all the same.
        definitions["Decimal"]["pattern"] = DECIMAL_PATTERN
    parts: list[dict[str, Any]] = [{"$ref": f"#/definitions/{definition}"}]
    if non_empty is not None:
        parts.append(
            {"required": [non_empty], "properties": {non_empty: {"minItems": 1}}}
        )
    schema = {"allOf": parts, "definitions": definitions}
    return Draft4Validator(schema, format_checker=_format_checker())


@cache
def _report_validator(schema_file: str) -> Draft7Validator:
    checker = _format_checker()
    checker.checks("date", raises=ValueError)(_is_date)
    return Draft7Validator(load_model_file(schema_file), format_checker=checker)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_timestamp)
    return checker


def _is_date(text: object) -> bool:
    """YYYY-MM-DD exactly (fromisoformat alone also takes 20210606)."""
    if not isinstance(text, str):
        return True
    date.fromisoformat(text)
    return len(text) == 10


def _listed(errors: Iterable[ValidationError]) -> list[str]:
    ordered = sorted(errors, key=lambda error: list(map(str, error.absolute_path)))
    return [
        f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in ordered
    ]
