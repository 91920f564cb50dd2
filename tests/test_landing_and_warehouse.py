"""Landing files are sealed and immutable; the raw loader is append-only and atomic."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from vendor_recon import partial_files
from vendor_recon.config import VendorAccount
from vendor_recon.landing import (
    LandingError,
    LandingWriter,
    sha256_file,
    verify_day,
    verify_manifest,
)
from vendor_recon.sources.windows import Window
from vendor_recon.warehouse import document_columns, load_landed_files

ACCOUNT = VendorAccount(
    account_id="acme-na",
    region="NA",
    marketplace_ids=("ATVPDKIKX0DER",),
    vendor_codes=("ACME1",),
    currency_code="USD",
    connection_id="spapi_acme_na",
    reporting_currency_code="USD",
)
WINDOW = Window(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
END_OF_DAY = datetime(2026, 11, 2, 1, tzinfo=UTC)


def order(number: str, state: str = "New") -> dict:
    return {"purchaseOrderNumber": number, "purchaseOrderState": state}


def row(index: int, record: dict, reason: str | None = None) -> dict:
    return {
        "record_number": index,
        "document_key": record.get("purchaseOrderNumber"),
        "document_updated_at": datetime(2026, 11, 1, 5, tzinfo=UTC),
        "record": record,
        "quarantine_reason": reason,
    }


def land(tmp_path, load_id: str, pages: list[list[dict]]):
    with LandingWriter(
        tmp_path / "snapshots",
        ACCOUNT,
        "purchase_orders",
        load_id,
        END_OF_DAY,
    ) as writer:
        for number, rows in enumerate(pages):
            writer.write_page(
                operation="getPurchaseOrders",
                pull="created",
                window=WINDOW,
                page_number=number,
                params={"createdAfter": "2026-11-01T00:00:00Z", "limit": 2},
                rows=rows,
            )
        return writer.commit()


def count(warehouse, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]


def test_pages_land_under_the_day_with_a_verifiable_manifest(tmp_path):
    landed = land(tmp_path, "run1", [[row(0, order("A1")), row(1, order("A2"))], []])
    assert "/raw/purchase_orders/dt=2026-11-02/" in landed.path
    manifest = json.loads(Path(landed.manifest_path).read_text())
    assert manifest["pages"] == 2 and manifest["files"][0]["rows"] == 2
    assert verify_manifest(landed.manifest_path)[0].sha256 == landed.sha256


def test_landing_never_overwrites(tmp_path):
    land(tmp_path, "run1", [[row(0, order("A1"))]])
    with pytest.raises(LandingError, match="immutable"):
        land(tmp_path, "run1", [[row(0, order("A1"))]])


def test_a_failed_extraction_leaves_no_file(tmp_path):
    with (
        pytest.raises(RuntimeError),
        LandingWriter(
            tmp_path / "snapshots",
            ACCOUNT,
            "purchase_orders",
            "run9",
            datetime.now(UTC),
        ) as writer,
    ):
        writer.write_page(
            operation="getPurchaseOrders",
            pull="created",
            window=WINDOW,
            page_number=0,
            params={},
            rows=[row(0, order("A1"))],
        )
        raise RuntimeError("page 2 failed")
    assert list((tmp_path / "snapshots").rglob("*.parquet*")) == []


def test_tampered_file_fails_verification(tmp_path):
    landed = land(tmp_path, "run1", [[row(0, order("A1"))]])
    with open(landed.path, "ab") as handle:
        handle.write(b"x")
    with pytest.raises(LandingError, match="sha256"):
        verify_manifest(landed.manifest_path)


def test_rerun_adds_nothing_and_a_change_adds_a_version(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    first = land(tmp_path, "run1", [[row(0, order("A1")), row(1, order("A2"))]])
    load_landed_files(warehouse, [first.manifest_path], [ACCOUNT])
    assert count(warehouse, "raw.purchase_orders") == 2

    # The same manifest again: the file is recognised and skipped.
    (result,) = load_landed_files(warehouse, [first.manifest_path])
    assert result.skipped_as_already_loaded

    # A new extraction of the same documents, one of them twice (two pulls).
    again = land(
        tmp_path,
        "run2",
        [[row(0, order("A1")), row(1, order("A2"))], [row(0, order("A1"))]],
    )
    (result,) = load_landed_files(warehouse, [again.manifest_path])
    assert result.rows_inserted == 0
    assert count(warehouse, "raw.purchase_orders") == 2

    changed = land(tmp_path, "run3", [[row(0, order("A1", "Acknowledged"))]])
    (result,) = load_landed_files(warehouse, [changed.manifest_path])
    assert result.rows_inserted == 1
    assert count(warehouse, "raw.purchase_orders") == 3
    assert count(warehouse, "raw.vendor_accounts") == 1


def test_quarantined_records_are_kept_with_their_reason(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    landed = land(
        tmp_path,
        "run1",
        [
            [
                row(0, order("A1")),
                row(1, {"purchaseOrderState": "New"}, "purchaseOrderNumber: required"),
            ]
        ],
    )
    load_landed_files(warehouse, [landed.manifest_path])
    assert count(warehouse, "raw.purchase_orders") == 1
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        file, record, field, reason = connection.execute(
            "select file, record, field, reason from raw.quarantine"
        ).fetchone()
    assert file == landed.path
    assert record == "page 0 record 1"
    assert field == "purchaseOrderNumber"
    assert "required" in reason


def test_a_failed_load_rolls_back_everything(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    good = land(tmp_path, "run1", [[row(0, order("A1"))]])
    load_landed_files(warehouse, [good.manifest_path])
    second = land(tmp_path, "run2", [[row(0, order("B1"))]])
    third = land(tmp_path, "run3", [[row(0, order("C1"))]])
    manifest = json.loads(Path(third.manifest_path).read_text())
    manifest["source"] = "no_such_source"
    Path(third.manifest_path).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="unknown source"):
        load_landed_files(warehouse, [second.manifest_path, third.manifest_path])
    assert count(warehouse, "raw.purchase_orders") == 1
    assert count(warehouse, "raw.load_log") == 1


def test_the_sources_window_verdict_lands_row_by_row(tmp_path):
    """`is_outside_window` is what the source decided, kept per raw row."""
    rows = [row(0, order("A1")), row(1, order("A2")), row(2, order("A3"))]
    for record, verdict in zip(rows, (True, False, None), strict=True):
        record["is_outside_window"] = verdict
    warehouse = tmp_path / "wh.duckdb"
    load_landed_files(warehouse, [land(tmp_path, "run1", [rows]).manifest_path])
    assert marks(warehouse) == {"A1": True, "A2": False, "A3": None}


def test_a_warehouse_from_before_the_window_mark_gets_the_column(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    older = [c for c in document_columns() if c[0] != "is_outside_window"]
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.purchase_orders "
            f"({', '.join(f'{name} {kind}' for name, kind in older)})"
        )
    marked = row(0, order("A1"))
    marked["is_outside_window"] = True
    load_landed_files(warehouse, [land(tmp_path, "run1", [[marked]]).manifest_path])
    assert marks(warehouse) == {"A1": True}


def test_a_landing_file_from_before_the_window_mark_loads_it_as_null(tmp_path):
    landed = land(tmp_path, "run1", [[row(0, order("A1"))]])
    older = pq.read_table(landed.path).drop_columns(["is_outside_window"])
    pq.write_table(older, landed.path)
    manifest = json.loads(Path(landed.manifest_path).read_text())
    manifest["files"][0]["sha256"] = sha256_file(Path(landed.path))
    Path(landed.manifest_path).write_text(json.dumps(manifest))
    warehouse = tmp_path / "wh.duckdb"
    load_landed_files(warehouse, [landed.manifest_path])
    assert marks(warehouse) == {"A1": None}


def marks(warehouse) -> dict[str, bool | None]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return dict(
            connection.execute(
                "select document_key, is_outside_window from raw.purchase_orders"
            ).fetchall()
        )


def test_a_new_landing_removes_stale_partials_of_its_own_target_only(tmp_path, caplog):
    sealed = land(tmp_path, "run1", [[row(0, order("A1"))]])
    folder = Path(sealed.path).parent
    stale = folder / ".acme-na__killed.parquet.partial"
    stale.write_bytes(b"PAR1")  # no one holds it: its writer is gone
    other_account = folder / ".acme-eu__killed.parquet.partial"
    other_account.write_bytes(b"PAR1")
    earlier_day = folder.with_name("dt=2026-11-01") / ".acme-na__old.parquet.partial"
    earlier_day.parent.mkdir()
    earlier_day.write_bytes(b"PAR1")

    caplog.set_level(logging.INFO, logger=partial_files.__name__)
    with LandingWriter(
        tmp_path / "snapshots", ACCOUNT, "purchase_orders", "live", END_OF_DAY
    ) as live:
        live.write_page(
            operation="getPurchaseOrders",
            pull="created",
            window=WINDOW,
            page_number=0,
            params={},
            rows=[row(0, order("B1"))],
        )
        # A second landing of the same target while the first one writes.
        land(tmp_path, "run2", [[row(0, order("C1"))]])
        assert partial_files.partial_name(Path(live.path)).exists()
        check = verify_day(tmp_path / "snapshots", END_OF_DAY.date())
        assert check.live_partials == (partial_files.partial_name(Path(live.path)),)
        assert check.stale_partials == (other_account,)
        live.commit()

    assert not stale.exists() and not earlier_day.exists()
    assert other_account.exists()
    assert verify_manifest(sealed.manifest_path)[0].sha256 == sealed.sha256
    removed = [m for m in caplog.messages if m.startswith("removed 2 stale")]
    assert removed == [
        "removed 2 stale partial files of purchase_orders for account acme-na "
        f"(their writers were killed): {earlier_day}, {stale}"
    ]
    assert (
        "kept 1 partial files of purchase_orders for account acme-na that live "
        "writers hold"
    ) in caplog.messages
