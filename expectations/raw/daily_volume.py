"""Rows landed per account and source on the last load day vs the days before."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, warning
from vendor_recon.quality.checks import daily_volume_query

SUITE = Suite(
    table="raw.load_log",
    name="raw_daily_volume",
    query=daily_volume_query(),
    expectations=[
        # A fall to zero, or far below the trailing median, is worth a look but
        # may be a quiet day: it warns and never stops the run.
        warning(
            gxe.ExpectColumnValuesToBeInSet(column="is_volume_drop", value_set=[False])
        ),
    ],
)
