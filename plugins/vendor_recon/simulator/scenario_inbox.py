"""A scenario's vendor files, each dated by the day folder it sits in."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from vendor_recon.simulator.contracts import body_problems

# JSON files in these folders are submission bodies and are checked as such on
# load: the pipeline reads them as Amazon's models, so must the scenario.
BODY_FOLDERS = {
    "shipments": (
        "vendorShipments.json",
        "SubmitShipmentConfirmationsRequest",
        "shipmentConfirmations",
    ),
    "invoices": ("vendorInvoices.json", "SubmitInvoicesRequest", "invoices"),
}


class InboxFolderError(ValueError):
    """An inbox folder laid out other than `<YYYY-MM-DD>/<account>/...`."""


@dataclass(frozen=True)
class DatedFile:
    """One vendor file and the UTC day the vendor's systems drop it."""

    day: date
    relative: Path
    content: bytes


def dated_files(inbox: Path, account_ids: Collection[str]) -> tuple[DatedFile, ...]:
    """Every file of `<inbox>/<YYYY-MM-DD>/<account>/...`, oldest day first.

    The path below the day folder is where the file lands in the vendor's
    inbox; one path may appear under one day only (an ERP writes a file once).
    """
    if not inbox.is_dir():
        return ()
    found: dict[Path, DatedFile] = {}
    for entry in sorted(inbox.iterdir()):
        day = _day(entry)
        for path in sorted(p for p in entry.rglob("*") if p.is_file()):
            relative = path.relative_to(entry)
            if relative.parts[0] not in account_ids:
                raise InboxFolderError(
                    f"{path}: {relative.parts[0]!r} is not an account of the scenario"
                )
            if relative in found:
                raise InboxFolderError(
                    f"{path}: {relative} is dated {found[relative].day} already"
                )
            content = path.read_bytes()
            _check_body(path, relative, content)
            found[relative] = DatedFile(day, relative, content)
    return tuple(sorted(found.values(), key=lambda f: (f.day, str(f.relative))))


def due_files(
    files: tuple[DatedFile, ...], as_of: datetime
) -> list[tuple[Path, bytes]]:
    """(relative path, content) of the files whose day has come at `as_of`."""
    return [(f.relative, f.content) for f in files if f.day <= as_of.date()]


def _day(entry: Path) -> date:
    if not entry.is_dir():
        raise InboxFolderError(f"{entry}: files go in a <YYYY-MM-DD> folder")
    try:
        day = date.fromisoformat(entry.name)
    except ValueError:
        day = None
    if day is None or len(entry.name) != 10:
        raise InboxFolderError(f"{entry}: the folder name is not a YYYY-MM-DD date")
    return day


def _check_body(path: Path, relative: Path, content: bytes) -> None:
    if path.suffix != ".json" or len(relative.parts) < 3:
        return
    contract = BODY_FOLDERS.get(relative.parts[1])
    if contract is None:
        return
    try:
        body = json.loads(content)
    except ValueError as exc:
        raise InboxFolderError(f"{path}: not JSON ({exc})") from None
    model_file, definition, documents = contract
    problems = body_problems(model_file, definition, body, documents)
    if problems:
        raise InboxFolderError(f"{path} is no {definition}: {problems[0]}")
