"""Checks on staging.stg_spapi__purchase_order_line_statuses, one row per item."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical, warning

KEY = ["account_id", "purchase_order_number", "item_sequence_number"]
QUANTITIES = [
    "ordered_units",
    "cancelled_units",
    "accepted_units",
    "rejected_units",
    "received_units",
]

SUITE = Suite(
    table="staging.stg_spapi__purchase_order_line_statuses",
    derived_columns={
        "accepted_plus_rejected_units": "accepted_units + rejected_units",
        # ordered_units is the quantity after cancellations; the vendor answered
        # the quantity before them.
        "ordered_plus_cancelled_units": "ordered_units + cancelled_units",
    },
    expectations=[
        *(critical(gxe.ExpectColumnValuesToNotBeNull(column=c)) for c in KEY),
        critical(gxe.ExpectCompoundColumnsToBeUnique(column_list=KEY)),
        *(
            critical(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0))
            for c in QUANTITIES
        ),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="purchase_order_status", value_set=["OPEN", "CLOSED"]
            )
        ),
        # As in the marts suite: more answered than asked needs a look, and a
        # null in any of the four leaves the line out.
        warning(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="ordered_plus_cancelled_units",
                column_B="accepted_plus_rejected_units",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        ),
    ],
)
