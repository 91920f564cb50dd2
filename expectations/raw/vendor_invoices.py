"""Checks on raw.vendor_invoices: keys present, one row per payload, sane times.

Optional until every deployment has the table; a window is checked only where
the source states one.
"""

from vendor_recon.quality.checks import document_table_suite

SUITE = document_table_suite("raw.vendor_invoices", windowed=False, optional=True)
