"""A scenario's Finances Invoices API objects: invoice versions seen by the clock."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from vendor_recon.simulator.contracts import swagger_problems
from vendor_recon.simulator.finance import FinanceInvoice
from vendor_recon.simulator.timestamps import parse_timestamp

FINANCE_MODEL = "financesInvoices_2026-06-25.json"


class FinanceFolderError(ValueError):
    """A finance file that does not hold invoices in Amazon's shape."""


def finance_versions(folder: Path) -> tuple[FinanceInvoice, ...]:
    """Every invoice version of `<account>/finance/*.json`, in file order.

    A file is a JSON array of `{"invoiceHeader": ..., "invoiceItems": [...]}`
    (a getInvoice answer without its token). An invoice may appear several
    times: each version is visible from its header's lastUpdatedDate.
    """
    if not folder.is_dir():
        return ()
    versions = []
    for path in sorted(folder.glob("*.json")):
        try:
            # Exact money: amounts with a fraction load as Decimal.
            documents = json.loads(path.read_text("utf-8"), parse_float=Decimal)
        except ValueError as exc:
            raise FinanceFolderError(f"{path}: not JSON ({exc})") from None
        if not isinstance(documents, list):
            raise FinanceFolderError(f"{path}: expected a JSON array of invoices")
        for index, document in enumerate(documents):
            versions.append(_version(f"{path}[{index}]", document))
    return tuple(versions)


def visible_invoices(
    versions: tuple[FinanceInvoice, ...], as_of: datetime
) -> list[FinanceInvoice]:
    """The latest version of each invoice updated by `as_of`, by issue date."""
    latest: dict[str, FinanceInvoice] = {}
    for version in versions:
        if version.updated_at > as_of:
            continue
        identifier = version.header["invoiceIdentifier"]
        held = latest.get(identifier)
        if held is None or version.updated_at >= held.updated_at:
            latest[identifier] = version
    return sorted(
        latest.values(),
        key=lambda f: (f.issued_at, f.header["invoiceIdentifier"]),
    )


def _version(where: str, document: Any) -> FinanceInvoice:
    if not isinstance(document, dict) or set(document) != {
        "invoiceHeader",
        "invoiceItems",
    }:
        raise FinanceFolderError(f"{where}: needs invoiceHeader and invoiceItems only")
    problems = swagger_problems(FINANCE_MODEL, "GetInvoiceResponse", document)
    if problems:
        raise FinanceFolderError(f"{where} is no invoice: {problems[0]}")
    header = document["invoiceHeader"]
    created = parse_timestamp(header["creationDate"])
    updated = parse_timestamp(header["lastUpdatedDate"])
    if updated < created:
        raise FinanceFolderError(f"{where}: lastUpdatedDate is before creationDate")
    return FinanceInvoice(
        header=header,
        items=list(document["invoiceItems"]),
        issued_at=parse_timestamp(header["issueDate"]),
        updated_at=updated,
    )
