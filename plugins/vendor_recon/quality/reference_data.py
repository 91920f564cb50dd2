"""Reference lists shipped with the package, such as the ISO 4217 currency codes."""

from __future__ import annotations

import csv
import functools
from importlib import resources


@functools.cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes a price can be stated in: those with a defined minor unit.

    Precious metals, units of account and the XTS and XXX placeholders have no
    minor unit in the standard; a PO line priced in one of them is a defect.
    """
    source = resources.files("vendor_recon").joinpath("data/iso4217.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return frozenset(
            row["alphabetic_code"]
            for row in csv.DictReader(handle)
            if row["minor_units"].strip()
        )
