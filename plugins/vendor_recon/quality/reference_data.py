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


@functools.cache
def currency_minor_units() -> dict[str, int]:
    """Decimals of each currency's minor unit (USD 2, JPY 0, KWD 3)."""
    source = resources.files("vendor_recon").joinpath("data/iso4217.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return {
            row["alphabetic_code"]: int(row["minor_units"])
            for row in csv.DictReader(handle)
            if row["minor_units"].strip()
        }


# Amazon's marketplace ids by SP-API region, as its developer documentation
# lists them; an order for a marketplace outside this table is a defect.
MARKETPLACE_IDS_BY_REGION: dict[str, frozenset[str]] = {
    "NA": frozenset(
        {
            "ATVPDKIKX0DER",  # United States
            "A2EUQ1WTGCTBG2",  # Canada
            "A1AM78C64UM0Y8",  # Mexico
            "A2Q3Y263D00KWC",  # Brazil
        }
    ),
    "EU": frozenset(
        {
            "A28R8C7NBKEWEA",  # Ireland
            "A1RKKUPIHCS9HS",  # Spain
            "A1F83G8C2ARO7P",  # United Kingdom
            "A13V1IB3VIYZZH",  # France
            "AMEN7PMS3EDWL",  # Belgium
            "A1805IZSGTT6HS",  # Netherlands
            "A1PA6795UKMFR9",  # Germany
            "APJ6JRA9NG5V4",  # Italy
            "A2NODRKZP88ZB9",  # Sweden
            "AE08WJ6YKNBMC",  # South Africa
            "A1C3SOZRARQ6R3",  # Poland
            "ARBP9OOSHTCHU",  # Egypt
            "A33AVAJ2PDY3EV",  # Turkey
            "A17E79C6D8DWNP",  # Saudi Arabia
            "A2VIGQ35RCS4UG",  # United Arab Emirates
            "A21TJRUUN4KGV",  # India
        }
    ),
    "FE": frozenset(
        {
            "A19VAU5U5O7RUS",  # Singapore
            "A39IBJ37TRP1C6",  # Australia
            "A1VC38T7YXB528",  # Japan
        }
    ),
}


def marketplace_ids() -> frozenset[str]:
    """Every marketplace id of every region."""
    return frozenset().union(*MARKETPLACE_IDS_BY_REGION.values())
