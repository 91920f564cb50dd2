"""Run `dbt build` in-process on a DuckDB file, keeping dbt's output out of the repo."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
# dbt must write only to the temporary folders it is handed.
REPO_OUTPUTS = [DBT_PROJECT / name for name in ("target", "logs", "dbt_packages")]

FCT_COLUMNS = (
    "account_id",
    "region",
    "vendor_code",
    "purchase_order_number",
    "item_sequence_number",
    "asin",
    "vendor_sku",
    "purchase_order_date",
    "purchase_order_state",
    "ship_window_end_at",
    "currency_code",
    "po_unit_cost",
    "ordered_units",
    "cancelled_units",
    "accepted_units",
    "rejected_units",
    "received_units",
    "last_received_at",
    "shipped_units",
    "invoiced_units",
    "invoiced_amount",
    "invoiced_unit_cost",
    "shortage_units",
    "shortage_amount",
    "overage_units",
    "price_variance_amount",
    "paid_amount",
    "deducted_amount",
    "reconciliation_status",
)


@dataclass(frozen=True)
class BuildOutcome:
    warehouse: Path
    target: Path
    result: Any
    seconds: float
    written_to_repo: list[Path]

    @property
    def warned(self) -> set[str]:
        return {r.node.name for r in self.result.result if str(r.status) == "warn"}

    def problems(self) -> list[tuple[str, str, str | None]]:
        return [
            (r.node.name, str(r.status), r.message)
            for r in self.result.result
            if str(r.status) not in ("pass", "success")
        ]


def dbt_build(
    warehouse: Path,
    tmp: Path,
    dbt_vars: dict[str, Any] | None = None,
    *,
    command: str = "build",
    select: str | None = None,
) -> BuildOutcome:
    """`dbt build` (or `command`) the project on `warehouse`, all of it or the
    `select`ed nodes; target and logs go under `tmp`."""
    from dbt.cli.main import dbtRunner

    existing = {path for path in REPO_OUTPUTS if path.exists()}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VENDOR_RECON_WAREHOUSE", str(warehouse))
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        env.setenv("DBT_VERSION_CHECK", "False")
        started = time.monotonic()
        result = dbtRunner().invoke(
            [
                command,
                *(["--select", select] if select else []),
                "--project-dir",
                str(DBT_PROJECT),
                "--profiles-dir",
                str(DBT_PROJECT),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                *(["--vars", json.dumps(dbt_vars)] if dbt_vars else []),
            ]
        )
        seconds = time.monotonic() - started
    written = [path for path in REPO_OUTPUTS if path.exists() and path not in existing]
    return BuildOutcome(warehouse, tmp / "target", result, seconds, written)


def query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse)) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def document_row(
    document: dict[str, Any],
    *,
    account: dict[str, str],
    operation: str,
    extracted_at: datetime,
    params: dict[str, Any] | None = None,
    page_number: int = 1,
    record_number: int = 1,
) -> dict[str, Any]:
    """One raw-table row for an Order or OrderStatus, as the loader lands it."""
    params = params or {}
    payload = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return {
        "load_id": f"{account['account_id']}-{operation}-{page_number}",
        "account_id": account["account_id"],
        "region": account["region"],
        "marketplace_id": account["marketplace_id"],
        "source": "spapi",
        "operation": operation,
        "request_params": json.dumps(params),
        "window_start": _window_bound(params, "After"),
        "window_end": _window_bound(params, "Before"),
        "page_number": page_number,
        "record_number": record_number,
        "document_key": document["purchaseOrderNumber"],
        "document_updated_at": document_updated_at(document),
        "extracted_at": extracted_at,
        "payload": payload,
        "payload_sha256": hashlib.sha256(payload.encode()).hexdigest(),
    }


def document_updated_at(document: dict[str, Any]) -> datetime | None:
    """The raw contract: greatest order change date, or a status's lastUpdatedDate."""
    if "lastUpdatedDate" in document:
        return parse_amazon_time(document["lastUpdatedDate"])
    details = document.get("orderDetails", {})
    dates = [
        parse_amazon_time(details[name])
        for name in (
            "purchaseOrderStateChangedDate",
            "purchaseOrderChangedDate",
            "purchaseOrderDate",
        )
        if name in details
    ]
    return max(dates, default=None)


def parse_amazon_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _window_bound(params: dict[str, Any], suffix: str) -> datetime | None:
    for prefix in ("created", "changed", "updated"):
        if f"{prefix}{suffix}" in params:
            return parse_amazon_time(params[f"{prefix}{suffix}"])
    return None
