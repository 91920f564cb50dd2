"""Checks on raw.purchase_order_statuses: keys, one row per payload, windows."""

from vendor_recon.quality.checks import document_table_suite

SUITE = document_table_suite("raw.purchase_order_statuses", windowed=True)
