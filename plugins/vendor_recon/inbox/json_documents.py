"""What the invoice and ASN files share: one JSON body holding a list of
documents, each checked against one definition of Amazon's model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from vendor_recon.inbox.records import FileRejected, bad, decode_text, good
from vendor_recon.sources.windows import parse_iso
from vendor_recon.spapi import schemas


def read_documents(
    data: bytes,
    *,
    list_key: str,
    operation: str,
    definition: str,
    key_field: str,
    date_field: str,
) -> list[dict[str, Any]]:
    """One row per document of `{list_key: [...]}`; bad documents quarantined."""
    try:
        body = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise FileRejected(
            "(file)",
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get(list_key), list):
        raise FileRejected(
            list_key, f"expected an object holding the list {list_key!r}"
        )

    model_file = schemas.MODEL_FILES[operation]
    rows = []
    for index, document in enumerate(body[list_key]):
        where = f"{list_key}[{index}]"
        problems = schemas.record_errors(model_file, definition, document)
        key = document.get(key_field) if isinstance(document, dict) else None
        key = key if isinstance(key, str) and key else None
        updated = None
        if not problems:
            updated, problem = _date(document, date_field)
            problems = [problem] if problem else []
        if problems or key is None:
            problems = problems or [(key_field, "empty")]
            rows.append(bad(index, where, problems, document, key))
        else:
            rows.append(good(index, key, updated, document))
    return rows


def _date(
    document: dict[str, Any], field: str, parse: Callable[[str], datetime] = parse_iso
) -> tuple[datetime | None, tuple[str, str] | None]:
    # The model says date-time, but jsonschema does not check formats.
    value = document.get(field)
    try:
        return parse(value), None
    except (TypeError, ValueError):
        return None, (field, f"{value!r} is not an ISO 8601 date-time")
