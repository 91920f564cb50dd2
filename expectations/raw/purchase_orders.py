"""Checks on raw.purchase_orders: keys, one row per payload, windows, times."""

from vendor_recon.quality.checks import document_table_suite

SUITE = document_table_suite("raw.purchase_orders", windowed=True)
