"""The parts of a vendor report document every world writes the same way."""

from __future__ import annotations

from typing import Any

from vendor_recon.simulator import exact_json
from vendor_recon.simulator.report_rules import ReportSpec
from vendor_recon.simulator.timestamps import iso_seconds

Document = dict[str, Any]
REAL_TIME_SALES = "GET_VENDOR_REAL_TIME_SALES_REPORT"
# The aggregate list and the per-ASIN list of each periodic report schema.
LIST_KEYS = {
    "GET_VENDOR_SALES_REPORT": ("salesAggregate", "salesByAsin"),
    "GET_VENDOR_INVENTORY_REPORT": ("inventoryAggregate", "inventoryByAsin"),
    "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT": (
        "netPureProductMarginAggregate",
        "netPureProductMarginByAsin",
    ),
    "GET_VENDOR_TRAFFIC_REPORT": ("trafficAggregate", "trafficByAsin"),
}


def periodic_document(
    spec: ReportSpec,
    last_updated: str,
    aggregate: list[Document],
    by_asin: list[Document],
) -> Document:
    """A periodic report over the request's periods, revised on `last_updated`."""
    aggregate_key, asin_key = LIST_KEYS[spec.report_type.name]
    return {
        "reportSpecification": {
            "reportType": spec.report_type.name,
            "reportOptions": dict(spec.options),
            "lastUpdatedDate": last_updated,
            "dataStartTime": spec.periods[0][0].isoformat(),
            "dataEndTime": spec.periods[-1][1].isoformat(),
            "marketplaceIds": list(spec.marketplace_ids),
        },
        aggregate_key: aggregate,
        asin_key: by_asin,
    }


def real_time_document(spec: ReportSpec, rows: list[Document]) -> Document:
    """A real-time report of hourly rows over the request's window."""
    assert spec.start is not None and spec.end is not None
    specification: Document = {
        "reportType": spec.report_type.name,
        "dataStartTime": iso_seconds(spec.start),
        "dataEndTime": iso_seconds(spec.end),
        "marketplaceIds": list(spec.marketplace_ids),
    }
    if spec.report_type.name == REAL_TIME_SALES:
        specification["reportOptions"] = {"currencyCode": spec.account.currency_code}
    return {"reportSpecification": specification, "reportData": rows}


def document_bytes(document: Document) -> bytes:
    """JSON with exact decimals written as numbers (json writes floats only)."""
    return exact_json.dumps(document).encode("utf-8")
