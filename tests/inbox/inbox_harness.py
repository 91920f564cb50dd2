"""Inbox test helpers: accounts, dropping fixtures into an inbox, one run, queries."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb

from vendor_recon import pipeline
from vendor_recon.config import VendorAccount
from vendor_recon.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"

NA = VendorAccount(
    account_id="acme-na",
    region="NA",
    marketplace_ids=("ATVPDKIKX0DER",),
    vendor_codes=("ACME1",),
    currency_code="USD",
    connection_id="spapi_acme_na",
    reporting_currency_code="USD",
)
EU = replace(
    NA,
    account_id="acme-eu",
    region="EU",
    marketplace_ids=("A1PA6795UKMFR9",),
    currency_code="EUR",
    reporting_currency_code="EUR",
    connection_id="spapi_acme_eu",
)


def settings_in(tmp_path) -> Settings:
    return replace(
        Settings.from_env(),
        inbox=str(tmp_path / "inbox"),
        snapshot_root=tmp_path / "snapshots",
        warehouse_path=tmp_path / "wh.duckdb",
    )


def folder_for(fixture: str) -> str:
    if fixture.startswith("invoice"):
        return "invoices"
    if fixture.startswith("asn"):
        return "shipments"
    return "remittances"


def drop(settings: Settings, fixture: str, account=NA, name: str | None = None) -> Path:
    """Copy a fixture into the account's inbox folder for its kind."""
    target = Path(settings.inbox) / account.account_id / folder_for(fixture)
    target.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(FIXTURES / fixture, target / (name or fixture)))


def run(settings: Settings, account=NA, run_id: str = "manual__inbox") -> dict:
    """One extract of the inbox and one load, as the DAG does them."""
    summary = pipeline.extract_inbox(account, run_id=run_id, settings=settings)
    pipeline.load_raw([summary], [account], settings)
    return summary


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def quarantine(settings: Settings) -> list[tuple]:
    return query(
        settings,
        "select file, record, field, reason from raw.quarantine order by file, record",
    )


def keys(settings: Settings, table: str) -> list[str]:
    rows = query(settings, f"select document_key from raw.{table} order by all")
    return [key for (key,) in rows]
