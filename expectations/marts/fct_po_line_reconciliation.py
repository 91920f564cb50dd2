"""Checks on marts.fct_po_line_reconciliation, one row per account and PO line."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical, warning
from vendor_recon.quality.reference_data import currency_codes

KEY = ["account_id", "purchase_order_number", "item_sequence_number"]
# received_units is null until a receipt is known; null passes these checks.
QUANTITIES = [
    "ordered_units",
    "cancelled_units",
    "accepted_units",
    "rejected_units",
    "received_units",
]

SUITE = Suite(
    table="marts.fct_po_line_reconciliation",
    derived_columns={
        "accepted_plus_rejected_units": "accepted_units + rejected_units",
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
                column="currency_code", value_set=sorted(currency_codes())
            )
        ),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="region", value_set=["NA", "EU", "FE"]
            )
        ),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="purchase_order_state",
                value_set=["New", "Acknowledged", "Closed"],
            )
        ),
        # More units answered than were ever asked for points at a double-counted
        # acknowledgement; it needs a look but need not stop the load. A null in
        # any of the four leaves the line out.
        warning(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="ordered_plus_cancelled_units",
                column_B="accepted_plus_rejected_units",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        ),
        warning(
            gxe.ExpectColumnValuesToBeBetween(
                column="po_unit_cost", min_value=0, strict_min=True
            )
        ),
        warning(gxe.ExpectTableRowCountToBeBetween(min_value=1)),
    ],
)
