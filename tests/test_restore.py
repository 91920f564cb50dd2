"""Snapshots alone rebuild the raw tables: a restore equals the original, row for
row and column for column; a day's files verify, and tampering is named."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from vendor_recon import cli, pipeline, warehouse
from vendor_recon.landing import LandingError, LandingWriter, verify_day
from vendor_recon.settings import Settings
from vendor_recon.sources.windows import Window

sys.path.insert(0, str(Path(__file__).parent / "inbox"))
from inbox_harness import EU, NA, drop

DAY_1 = datetime(2026, 11, 2, 1, tzinfo=UTC)
DAY_2 = datetime(2026, 11, 3, 1, tzinfo=UTC)


class Clock:
    """Stands in for `datetime` in the pipeline and loader: runs on chosen days."""

    moment = DAY_1

    @classmethod
    def now(cls, tz=None):
        return cls.moment


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setattr(warehouse, "datetime", Clock)
    monkeypatch.setattr(pipeline, "datetime", Clock)
    return replace(
        Settings.from_env(),
        inbox=str(tmp_path / "inbox"),
        snapshot_root=tmp_path / "snapshots",
        warehouse_path=tmp_path / "wh.duckdb",
    )


def land_orders(settings, account, load_id, extracted_at, states) -> str:
    window = Window(extracted_at.replace(hour=0) - (DAY_2 - DAY_1), extracted_at)
    with LandingWriter(
        settings.snapshot_root, account, "purchase_orders", load_id, extracted_at
    ) as writer:
        writer.write_page(
            operation="getPurchaseOrders",
            pull="created",
            window=window,
            page_number=0,
            params={"createdAfter": window.iso()[0], "limit": 100},
            rows=[
                {
                    "record_number": index,
                    "document_key": number,
                    "document_updated_at": extracted_at,
                    "record": {"purchaseOrderNumber": number, "state": state},
                    "quarantine_reason": None if number else "number: required",
                }
                for index, (number, state) in enumerate(states)
            ],
        )
        return writer.commit().manifest_path


def build_history(settings) -> None:
    """Two days of loads: API pages, inbox files, a rerun, a change, quarantine."""
    Clock.moment = DAY_1
    drop(settings, "invoice_missing_id.json")
    drop(settings, "x12_820_rmr_before_ent.820")
    inbox = pipeline.extract_inbox(NA, run_id="day1", settings=settings)
    orders = land_orders(settings, NA, "day1-po", DAY_1, [("A1", "New"), (None, "New")])
    extraction = {"manifests": [orders, *inbox["manifests"]]}
    pipeline.load_raw([extraction], [NA, EU], settings)
    pipeline.load_raw([extraction], [NA, EU], settings)  # a retried load: skipped

    Clock.moment = DAY_2
    drop(settings, "asn_replace.json", account=EU)
    drop(settings, "remittance_header_synonyms.csv")
    eu = pipeline.extract_inbox(EU, run_id="day2", settings=settings)
    na = pipeline.extract_inbox(NA, run_id="day2", settings=settings)
    orders = land_orders(settings, NA, "day2-po", DAY_2, [("A1", "Acknowledged")])
    pipeline.load_raw(
        [{"manifests": [orders]}, eu, na], [NA], settings
    )  # EU dropped from the accounts file


def raw_tables(path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        return {
            name: connection.execute(
                f"select * from raw.{name} order by all"
            ).fetchall()
            for name in names
        }


def test_restore_equals_the_original_row_for_row(settings, tmp_path):
    build_history(settings)
    original = raw_tables(settings.warehouse_path)
    assert len(original["purchase_orders"]) == 2
    assert original["vendor_invoices"] and original["remittance_lines"]
    assert len(original["quarantine"]) == 3 and len(original["load_log"]) == 6

    result = warehouse.restore(settings.snapshot_root, tmp_path / "restored.duckdb")
    assert result.unloaded_manifests == [] and result.loads == 3
    assert raw_tables(tmp_path / "restored.duckdb") == original

    # From a copy of the snapshots elsewhere: snapshot_file keeps the original path.
    moved = shutil.copytree(settings.snapshot_root, tmp_path / "moved")
    warehouse.restore(moved, tmp_path / "from_copy.duckdb")
    assert raw_tables(tmp_path / "from_copy.duckdb") == original


def test_restore_through_a_day_equals_the_warehouse_as_of_that_day(settings, tmp_path):
    Clock.moment = DAY_1
    drop(settings, "invoice_missing_id.json")
    pipeline.load_raw(
        [pipeline.extract_inbox(NA, run_id="day1", settings=settings)], [NA], settings
    )
    as_of_day_1 = raw_tables(settings.warehouse_path)
    Clock.moment = DAY_2
    drop(settings, "asn_replace.json")
    pipeline.load_raw(
        [pipeline.extract_inbox(NA, run_id="day2", settings=settings)], [NA], settings
    )

    target = tmp_path / "day1.duckdb"
    warehouse.restore(settings.snapshot_root, target, through=date(2026, 11, 2))
    assert raw_tables(target) == as_of_day_1


def test_manifests_never_loaded_are_listed_and_loaded_only_on_request(
    settings, tmp_path
):
    unloaded = land_orders(settings, NA, "never-loaded", DAY_1, [("Z9", "New")])
    result = warehouse.restore(settings.snapshot_root, tmp_path / "a.duckdb")
    assert result.unloaded_manifests == [unloaded]
    assert raw_tables(tmp_path / "a.duckdb")["purchase_orders"] == []

    warehouse.restore(
        settings.snapshot_root, tmp_path / "b.duckdb", include_unloaded=True
    )
    assert len(raw_tables(tmp_path / "b.duckdb")["purchase_orders"]) == 1


def test_restore_refuses_an_existing_file_and_a_rewritten_manifest(settings, tmp_path):
    build_history(settings)
    existing = tmp_path / "there.duckdb"
    existing.write_bytes(b"")
    with pytest.raises(FileExistsError, match="already exists"):
        warehouse.restore(settings.snapshot_root, existing)

    (manifest,) = settings.snapshot_root.glob(
        "raw/purchase_orders/dt=2026-11-03/*.json"
    )
    body = json.loads(manifest.read_text())
    body["stats"] = {"edited": True}
    manifest.write_text(json.dumps(body))
    target = tmp_path / "restored.duckdb"
    with pytest.raises(LandingError, match="differs from load receipt"):
        warehouse.restore(settings.snapshot_root, target)
    assert not target.exists()
    assert list(tmp_path.glob(".restored.duckdb*")) == []


def cli_run(settings, monkeypatch, capsys, *args) -> tuple[int, list[str]]:
    monkeypatch.setenv("VENDOR_RECON_SNAPSHOTS", str(settings.snapshot_root))
    code = cli.main(list(args))
    return code, capsys.readouterr().out.splitlines()


def test_verify_snapshots_checks_a_whole_day_and_names_the_bad_file(
    settings, monkeypatch, capsys
):
    build_history(settings)
    check = verify_day(settings.snapshot_root, date(2026, 11, 3))
    assert (check.manifests, check.files, check.receipts) == (3, 3, 1)

    code, out = cli_run(
        settings, monkeypatch, capsys, "verify-snapshots", "--day", "2026-11-03"
    )
    assert code == 0 and out[0].startswith("verified 3 manifests, 3 files")

    (parquet,) = settings.snapshot_root.glob(
        "raw/remittance_lines/dt=2026-11-03/*.parquet"
    )
    with parquet.open("ab") as handle:
        handle.write(b"\0")
    code, out = cli_run(
        settings, monkeypatch, capsys, "verify-snapshots", "--day", "2026-11-03"
    )
    assert code == 1 and len(out) == 1
    assert out[0].startswith(f"error: {parquet}: sha256 ")

    # Day 1 is untouched; an unlisted Parquet file in it is named too.
    assert (
        cli_run(
            settings, monkeypatch, capsys, "verify-snapshots", "--day", "2026-11-02"
        )[0]
        == 0
    )
    orphan = next(settings.snapshot_root.glob("raw/*/dt=2026-11-02")) / "stray.parquet"
    orphan.write_bytes(b"PAR1")
    code, out = cli_run(
        settings, monkeypatch, capsys, "verify-snapshots", "--day", "2026-11-02"
    )
    assert (code, out) == (
        1,
        [f"error: {orphan}: not listed in any manifest of 2026-11-02"],
    )


def test_verify_snapshots_of_a_day_with_none_fails_and_says_so(
    settings, monkeypatch, capsys
):
    build_history(settings)
    code, out = cli_run(
        settings, monkeypatch, capsys, "verify-snapshots", "--day", "2026-10-01"
    )
    assert code == 1
    assert " ".join(out).startswith("error: no snapshots of 2026-10-01 under ")


def test_restore_command(settings, monkeypatch, capsys, tmp_path):
    build_history(settings)
    target = tmp_path / "cli.duckdb"
    code, out = cli_run(settings, monkeypatch, capsys, "restore", "--to", str(target))
    assert code == 0 and out[0].startswith("restored 3 loads")
    assert raw_tables(target) == raw_tables(settings.warehouse_path)
