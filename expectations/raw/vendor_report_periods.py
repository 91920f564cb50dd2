"""Vendor report documents cover whole periods of their reportPeriod."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical
from vendor_recon.quality.report_checks import report_periods_query

SUITE = Suite(
    table="raw.vendor_reports",
    name="raw_vendor_report_periods",
    query=report_periods_query(),
    expectations=[
        # Amazon sums every day a misaligned window touches: its numbers
        # would be counted into periods they do not belong to.
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="is_period_aligned", value_set=[True]
            )
        ),
    ],
)
