"""Checks on raw.load_log, one row per landing file the loader read."""

import great_expectations.expectations as gxe

from vendor_recon.quality import Suite, critical
from vendor_recon.quality.checks import CLOCK_SKEW

KEY = ["load_id", "account_id", "source", "snapshot_file", "file_sha256", "loaded_at"]
COUNTS = ["rows_in_file", "rows_inserted", "rows_quarantined"]

SUITE = Suite(
    table="raw.load_log",
    derived_columns={
        "rows_kept_or_quarantined": "rows_inserted + rows_quarantined",
        "is_loaded_in_future": f"coalesce(loaded_at > $as_of + {CLOCK_SKEW}, false)",
    },
    expectations=[
        *(critical(gxe.ExpectColumnValuesToNotBeNull(column=c)) for c in KEY),
        # The loader skips a file whose hash it has seen, so a hash twice means
        # the same file's rows were counted twice.
        critical(gxe.ExpectColumnValuesToBeUnique(column="file_sha256")),
        *(
            critical(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0))
            for c in COUNTS
        ),
        critical(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="rows_in_file",
                column_B="rows_kept_or_quarantined",
                or_equal=True,
            )
        ),
        critical(
            gxe.ExpectColumnValuesToBeInSet(
                column="is_loaded_in_future", value_set=[False]
            )
        ),
    ],
)
