"""The vendor's own documents: invoice, ASN and remittance files from an inbox.

`FOLDERS` says what each inbox folder holds and where it lands; `read_file`
turns one file into landing rows, with bad records quarantined one by one and
a file that cannot be parsed at all quarantined whole.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vendor_recon.config import VendorAccount
from vendor_recon.inbox import invoices, remittance_csv, remittance_x12, shipments
from vendor_recon.inbox.records import FileRejected, rejected_file
from vendor_recon.inbox.scan import InboxFile, ScanStats, new_files

log = logging.getLogger(__name__)

Reader = Callable[..., list[dict[str, Any]]]


@dataclass(frozen=True)
class InboxFolder:
    """One folder of an account's inbox: its raw table and readers by suffix."""

    folder: str
    source: str
    operation: str
    readers: dict[str, Reader]


FOLDERS: tuple[InboxFolder, ...] = (
    InboxFolder(
        "invoices", "vendor_invoices", invoices.OPERATION, {".json": invoices.read}
    ),
    InboxFolder(
        "shipments",
        "vendor_shipment_confirmations",
        shipments.OPERATION,
        {".json": shipments.read},
    ),
    InboxFolder(
        "remittances",
        "remittance_lines",
        remittance_csv.OPERATION,
        {".csv": remittance_csv.read, ".820": remittance_x12.read},
    ),
)


def read_file(
    folder: InboxFolder, file: InboxFile, account: VendorAccount
) -> list[dict[str, Any]]:
    """Landing rows for one file; never raises for a bad file, quarantines it."""
    suffix = posixpath.splitext(file.name)[1].lower()
    reader = folder.readers.get(suffix)
    try:
        if reader is None:
            expected = ", ".join(sorted(folder.readers))
            raise FileRejected(
                "(file)", f"unknown file type {suffix!r}, expected {expected}"
            )
        rows = reader(file.data, region=account.region)
    except FileRejected as exc:
        log.warning("inbox file %s quarantined whole: %s", file.name, exc)
        return [rejected_file(file.name, exc)]
    bad = sum(1 for row in rows if row["quarantine_reason"])
    if bad:
        log.warning(
            "inbox file %s: %s of %s records quarantined", file.name, bad, len(rows)
        )
    return rows


__all__ = [
    "FOLDERS",
    "FileRejected",
    "InboxFile",
    "InboxFolder",
    "ScanStats",
    "new_files",
    "read_file",
]
