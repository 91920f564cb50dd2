"""Write a world's vendor files (ASNs, invoices, remittances) into an inbox folder."""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vendor_recon.simulator.remittances import remittance_820, remittance_csv
from vendor_recon.simulator.vendor_documents import VendorInvoice

if TYPE_CHECKING:
    from vendor_recon.simulator.world import World

log = logging.getLogger(__name__)


class InboxConflict(RuntimeError):
    """A file of the same name with other content is already there."""


def inbox_files(world: World, as_of: datetime) -> list[tuple[datetime, Path, bytes]]:
    """(document time, relative path, content) of every file dated at or before
    `as_of`, oldest first. Names start with the document's UTC date."""
    files = []
    for shipment in world.shipments:
        for version in shipment.versions:
            if version.confirmed_at > as_of:
                continue
            name = (
                f"{version.confirmed_at:%Y%m%d}-{shipment.shipment_identifier}-"
                f"{version.confirmation_type.lower()}.json"
            )
            body = {"shipmentConfirmations": [shipment.document(version)]}
            files.append(
                (
                    version.confirmed_at,
                    Path(shipment.account_id, "shipments", name),
                    _json(body),
                )
            )

    # One file per ERP run and vendor code: invoices sent together land together.
    runs: dict[tuple[str, str, datetime], list[VendorInvoice]] = defaultdict(list)
    for invoice in world.invoices:
        if invoice.issued_at <= as_of:
            key = (invoice.account_id, invoice.vendor_code, invoice.issued_at)
            runs[key].append(invoice)
    for (account_id, vendor_code, issued_at), invoices in runs.items():
        name = f"{issued_at:%Y%m%d-%H%M}-{vendor_code}-invoices.json"
        body = {"invoices": [invoice.document() for invoice in invoices]}
        files.append((issued_at, Path(account_id, "invoices", name), _json(body)))

    for index, payment in enumerate(world.settlement.payments):
        if payment.paid_at > as_of:
            continue
        region = world.account(payment.account_id).region
        stem = (
            f"{payment.paid_at:%Y%m%d}-{payment.vendor_code}-{payment.payment_number}"
        )
        if payment.file_format == "csv":
            name, content = f"{stem}.csv", remittance_csv(payment, region)
        else:
            name, content = f"{stem}.820", remittance_820(payment, index + 1)
        files.append(
            (payment.paid_at, Path(payment.account_id, "remittances", name), content)
        )
    files.sort(key=lambda f: (f[0], str(f[1])))
    return files


def write_inbox(world: World, folder: Path, as_of: datetime) -> list[Path]:
    """Write what is missing; an identical file is left as it is, never rewritten."""
    files = [(relative, content) for _, relative, content in inbox_files(world, as_of)]
    return drop_files(folder, files, as_of)


def drop_files(
    folder: Path, files: Iterable[tuple[Path, bytes]], as_of: datetime
) -> list[Path]:
    """Write each (relative path, content) under `folder` unless it is there.

    A file of that name with other content is an InboxConflict: a vendor's
    ERP never rewrites a file it has dropped.
    """
    written = 0
    paths = []
    for relative, content in files:
        path = folder / relative
        paths.append(path)
        if path.exists():
            if path.read_bytes() != content:
                raise InboxConflict(f"{path} exists with other content")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content)
        # Readers that scan the folder never see a half-written file.
        os.replace(temporary, path)
        written += 1
    log.info(
        "inbox %s: wrote %s of %s files dated up to %s",
        folder,
        written,
        len(paths),
        as_of.isoformat(),
    )
    return paths


def _json(body: dict) -> bytes:
    return (json.dumps(body, indent=2, sort_keys=False) + "\n").encode("utf-8")
