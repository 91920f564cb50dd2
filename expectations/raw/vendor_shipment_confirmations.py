"""Checks on raw.vendor_shipment_confirmations: keys, one row per payload, times.

Optional until every deployment has the table; a window is checked only where
the source states one.
"""

from vendor_recon.quality.checks import document_table_suite

SUITE = document_table_suite(
    "raw.vendor_shipment_confirmations", windowed=False, optional=True
)
