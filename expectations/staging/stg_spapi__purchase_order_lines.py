"""Checks on staging.stg_spapi__purchase_order_lines, one row per order item."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical
from vendor_recon.quality.checks import (
    money_decimals_warning,
    money_has_minor_units_sql,
)
from vendor_recon.quality.reference_data import currency_codes

KEY = ["account_id", "purchase_order_number", "item_sequence_number"]

SUITE = Suite(
    table="staging.stg_spapi__purchase_order_lines",
    derived_columns={
        "net_cost_has_minor_units": money_has_minor_units_sql(
            "net_cost_amount", "net_cost_currency_code"
        ),
        "list_price_has_minor_units": money_has_minor_units_sql(
            "list_price_amount", "list_price_currency_code"
        ),
    },
    expectations=[
        *(critical(gxe.ExpectColumnValuesToNotBeNull(column=c)) for c in KEY),
        critical(gxe.ExpectCompoundColumnsToBeUnique(column_list=KEY)),
        *(
            critical(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0))
            for c in (
                "ordered_quantity_amount",
                "ordered_units",
                "net_cost_amount",
                "list_price_amount",
            )
        ),
        *(
            critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column=c, value_set=sorted(currency_codes())
                )
            )
            for c in ("net_cost_currency_code", "list_price_currency_code")
        ),
        # Amazon's model allows a unit cost finer than a cent, so this only
        # warns; totals are rounded to the currency's minor unit downstream.
        money_decimals_warning("net_cost_has_minor_units"),
        money_decimals_warning("list_price_has_minor_units"),
    ],
)
