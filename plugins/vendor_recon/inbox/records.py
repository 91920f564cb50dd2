"""The rows every inbox reader returns: a landed record or a quarantined one.

A row is what `LandingWriter.write_file` takes. A record that fails its checks
still becomes a row, with the field and reason, so the loader can quarantine it
while the other records of the same file land.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class FileRejected(ValueError):
    """A file that cannot be read at all; the whole file goes to quarantine."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def good(
    record_number: int,
    document_key: str,
    updated_at: datetime | None,
    record: Any,
) -> dict[str, Any]:
    return {
        "record_number": record_number,
        "document_key": document_key,
        "document_updated_at": updated_at,
        "record": record,
        "quarantine_reason": None,
    }


def bad(
    record_number: int | None,
    where: str,
    problems: list[tuple[str, str]],
    record: Any,
    document_key: str | None = None,
) -> dict[str, Any]:
    """A quarantined record: `where` names it in the file, the first problem's
    field is the field, and the reason lists every problem as 'field: message'.
    """
    return {
        "record_number": record_number,
        "document_key": document_key,
        "document_updated_at": None,
        "record": record,
        "quarantine_reason": "; ".join(
            f"{field}: {message}" for field, message in problems
        ),
        "quarantine_record": where,
        "quarantine_field": problems[0][0],
    }


def rejected_file(name: str, error: FileRejected) -> dict[str, Any]:
    """The one row of a file that could not be parsed; it carries no payload."""
    return {
        "record_number": None,
        "document_key": None,
        "document_updated_at": None,
        "quarantine_reason": f"{name}: {error.field}: {error.reason}",
        "quarantine_record": "file",
        "quarantine_field": error.field,
    }


def decode_text(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else rejects the file."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            "(file)", f"not UTF-8 text (byte {exc.start}: {exc.reason})"
        ) from exc
