"""`vendor-recon export-marts`, `run` and `status`: outputs and one-line errors."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from vendor_recon import airflow_runs, cli


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    path = tmp_path / "recon.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.fct_po_line_reconciliation as "
            "select 'acme-na' as account_id, 'PO1' as purchase_order_number, "
            "10::integer as ordered_units"
        )
        connection.execute(
            "create table marts.dim_vendor_accounts as select 'acme-na' as account_id"
        )
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE", str(path))
    monkeypatch.delenv("VENDOR_RECON_WAREHOUSE_KIND", raising=False)
    return path


def test_export_marts_writes_dated_parquet_and_a_manifest(warehouse, tmp_path, capsys):
    assert cli.main(["export-marts", "--day", "2026-11-07", "--to", str(tmp_path)]) == 0
    folder = tmp_path / "dt=2026-11-07"
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["day"] == "2026-11-07"
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(tables) == {
        "marts.fct_po_line_reconciliation",
        "marts.dim_vendor_accounts",
    }
    fact = tables["marts.fct_po_line_reconciliation"]
    assert fact["rows"] == 1
    assert pq.read_table(folder / fact["file"]).column_names == fact["columns"]
    assert "exported 2 tables (2 rows)" in capsys.readouterr().out


def test_export_marts_never_overwrites_a_day(warehouse, tmp_path, capsys):
    args = ["export-marts", "--day", "2026-11-07", "--to", str(tmp_path)]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(args) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("error:") and "already exported" in out
    assert len(out.splitlines()) == 1
    assert not list(tmp_path.glob(".dt=*"))  # no partial folder left


def test_export_marts_of_an_unbuilt_warehouse_is_one_line(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE", str(tmp_path / "none.duckdb"))
    assert cli.main(["export-marts", "--day", "2026-11-07", "--to", str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("error:") and len(out.splitlines()) == 1


def test_run_days_map_to_the_intervals_that_end_next_day():
    dates = airflow_runs.logical_dates(date(2026, 11, 1), date(2026, 11, 3))
    assert [d.isoformat() for d in dates] == [
        "2026-11-02T00:00:00+00:00",
        "2026-11-03T00:00:00+00:00",
        "2026-11-04T00:00:00+00:00",
    ]
    with pytest.raises(ValueError, match="before"):
        airflow_runs.logical_dates(date(2026, 11, 3), date(2026, 11, 1))


def test_run_without_a_scheduler_fails_in_one_line(monkeypatch, capsys):
    def no_scheduler(*args):
        raise RuntimeError("airflow jobs check failed: No alive jobs found.")

    monkeypatch.setattr(airflow_runs, "_airflow", no_scheduler)
    assert cli.main(["run", "--start", "2026-11-01", "--end", "2026-11-02"]) == 1
    out = capsys.readouterr().out.strip()
    assert "no running Airflow scheduler" in out
    assert len(out.splitlines()) == 1
