"""Checks on staging.stg_spapi__purchase_orders, one row per account and order."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical
from vendor_recon.quality.reference_data import marketplace_ids

KEY = ["account_id", "purchase_order_number"]

SUITE = Suite(
    table="staging.stg_spapi__purchase_orders",
    expectations=[
        *(critical(gxe.ExpectColumnValuesToNotBeNull(column=c)) for c in KEY),
        critical(gxe.ExpectCompoundColumnsToBeUnique(column_list=KEY)),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="marketplace_id", value_set=sorted(marketplace_ids())
            )
        ),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="region", value_set=["NA", "EU", "FE"]
            )
        ),
    ],
)
