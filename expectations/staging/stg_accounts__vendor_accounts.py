"""Checks on staging.stg_accounts__vendor_accounts, one row per account."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical
from vendor_recon.quality.reference_data import currency_codes, marketplace_ids

SUITE = Suite(
    table="staging.stg_accounts__vendor_accounts",
    expectations=[
        critical(gxe.ExpectColumnValuesToNotBeNull(column="account_id")),
        critical(gxe.ExpectColumnValuesToBeUnique(column="account_id")),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="primary_marketplace_id", value_set=sorted(marketplace_ids())
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
