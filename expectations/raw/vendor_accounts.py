"""Checks on raw.vendor_accounts, the accounts file as of the last load."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical
from vendor_recon.quality.reference_data import currency_codes

REQUIRED = ["account_id", "region", "currency_code", "connection_id", "loaded_at"]

SUITE = Suite(
    table="raw.vendor_accounts",
    expectations=[
        *(critical(gxe.ExpectColumnValuesToNotBeNull(column=c)) for c in REQUIRED),
        critical(gxe.ExpectColumnValuesToBeUnique(column="account_id")),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="region", value_set=["NA", "EU", "FE"]
            )
        ),
        *(
            critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column=c, value_set=sorted(currency_codes())
                )
            )
            for c in ("currency_code", "reporting_currency_code")
        ),
    ],
)
