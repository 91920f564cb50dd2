"""The newest vendor report period per account and report, against the
publishing delay: 72 hours after a day ends, the forecast weekly on Sunday."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, warning
from vendor_recon.quality.report_checks import report_freshness_select

SUITE = Suite(
    table="raw.vendor_reports",
    name="raw_vendor_report_freshness",
    query=report_freshness_select(),
    expectations=[
        # Amazon publishes late at times and the next run's lookback reads it
        # then: worth a look, not a reason to stop the marts.
        warning(gxe.ExpectColumnValuesToBeInSet(column="is_fresh", value_set=[True])),
    ],
)
