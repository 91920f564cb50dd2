"""The raw schema and its one writer: landing files in, one transaction per load.

Raw tables are append-only. A document is inserted only when the account has
never landed that exact payload for that key, so a rerun adds nothing and a
changed document becomes a new version row beside the old one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from vendor_recon.config import VendorAccount
from vendor_recon.landing import LandedFile, verify_manifest

log = logging.getLogger(__name__)

RAW_TABLES = ("purchase_orders", "purchase_order_statuses")

_DOCUMENT_COLUMNS = """
    load_id varchar not null,
    account_id varchar not null,
    region varchar not null,
    marketplace_id varchar,
    source varchar not null,
    operation varchar not null,
    pull varchar,
    request_params json,
    window_start timestamptz,
    window_end timestamptz,
    page_number integer,
    record_number integer,
    document_key varchar not null,
    document_updated_at timestamptz,
    extracted_at timestamptz not null,
    payload json not null,
    payload_sha256 varchar not null,
    source_file varchar,
    source_file_sha256 varchar,
    snapshot_file varchar
"""

DDL = [
    "create schema if not exists raw",
    *(
        f"create table if not exists raw.{table} ({_DOCUMENT_COLUMNS})"
        for table in RAW_TABLES
    ),
    """
    create table if not exists raw.quarantine (
        load_id varchar not null,
        account_id varchar,
        source varchar not null,
        operation varchar,
        file varchar not null,
        record varchar not null,
        field varchar,
        reason varchar not null,
        payload varchar,
        payload_sha256 varchar,
        quarantined_at timestamptz not null
    )
    """,
    """
    create table if not exists raw.load_log (
        load_id varchar not null,
        account_id varchar not null,
        source varchar not null,
        snapshot_file varchar not null,
        file_sha256 varchar not null,
        rows_in_file bigint not null,
        rows_inserted bigint not null,
        rows_quarantined bigint not null,
        loaded_at timestamptz not null
    )
    """,
    """
    create table if not exists raw.vendor_accounts (
        account_id varchar not null,
        region varchar not null,
        marketplace_ids json not null,
        vendor_codes json not null,
        currency_code varchar not null,
        reporting_currency_code varchar not null,
        connection_id varchar not null,
        loaded_at timestamptz not null
    )
    """,
]


@dataclass
class LoadResult:
    source: str
    account_id: str
    snapshot_file: str
    rows_in_file: int
    rows_inserted: int
    rows_quarantined: int
    skipped_as_already_loaded: bool = False


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating its folder and the raw schema."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path))
    connection.execute("set timezone = 'UTC'")
    for statement in DDL:
        connection.execute(statement)
    return connection


def load_landed_files(
    warehouse_path: str | Path,
    manifests: Iterable[str | Path],
    accounts: Sequence[VendorAccount] = (),
) -> list[LoadResult]:
    """Verify and load the given landing files in one transaction.

    Either every file lands or none does: a failure rolls back and leaves the
    raw tables as they were.
    """
    files = [landed for manifest in manifests for landed in verify_manifest(manifest)]
    now = datetime.now(UTC)
    connection = connect(warehouse_path)
    try:
        connection.execute("begin transaction")
        if accounts:
            _replace_accounts(connection, accounts, now)
        results = [_load_file(connection, landed, now) for landed in files]
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    finally:
        connection.close()
    for result in results:
        log.info(
            "loaded %s: %s of %s rows new, %s quarantined%s",
            result.snapshot_file,
            result.rows_inserted,
            result.rows_in_file,
            result.rows_quarantined,
            " (file already loaded, skipped)"
            if result.skipped_as_already_loaded
            else "",
        )
    return results


def _load_file(
    connection: duckdb.DuckDBPyConnection, landed: LandedFile, now: datetime
) -> LoadResult:
    if landed.source not in RAW_TABLES:
        raise ValueError(f"{landed.path}: unknown source {landed.source!r}")
    already = connection.execute(
        "select count(*) from raw.load_log where file_sha256 = ?", [landed.sha256]
    ).fetchone()[0]
    if already:
        return LoadResult(
            landed.source, landed.account_id, landed.path, landed.rows, 0, 0, True
        )

    table = f"raw.{landed.source}"
    connection.execute(
        "create or replace temp table landing as "
        "select *, ? as snapshot_file from read_parquet(?)",
        [landed.path, landed.path],
    )
    quarantined = connection.execute(
        """
        insert into raw.quarantine
        select load_id, account_id, source, operation, snapshot_file,
            'page ' || page_number || ' record ' || record_number,
            split_part(quarantine_reason, ':', 1), quarantine_reason,
            payload, payload_sha256, ?
        from landing
        where quarantine_reason is not null
        """,
        [now],
    ).fetchone()[0]
    inserted = connection.execute(
        f"""
        insert into {table}
        select load_id, account_id, region, marketplace_id, source, operation,
            pull, request_params::json, window_start, window_end, page_number,
            record_number, document_key, document_updated_at, extracted_at,
            payload::json, payload_sha256, source_file, source_file_sha256,
            snapshot_file
        from landing as l
        where quarantine_reason is null
            and not exists (
                select 1 from {table} as r
                where r.account_id = l.account_id
                    and r.document_key = l.document_key
                    and r.payload_sha256 = l.payload_sha256
            )
        qualify row_number() over (
            partition by account_id, document_key, payload_sha256
            order by pull, page_number, record_number
        ) = 1
        """
    ).fetchone()[0]
    connection.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            landed.load_id,
            landed.account_id,
            landed.source,
            landed.path,
            landed.sha256,
            landed.rows,
            inserted,
            quarantined,
            now,
        ],
    )
    connection.execute("drop table landing")
    return LoadResult(
        landed.source,
        landed.account_id,
        landed.path,
        landed.rows,
        inserted,
        quarantined,
    )


def _replace_accounts(connection, accounts: Sequence[VendorAccount], now) -> None:
    connection.execute("delete from raw.vendor_accounts")
    for account in accounts:
        connection.execute(
            "insert into raw.vendor_accounts values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                account.account_id,
                account.region,
                json.dumps(list(account.marketplace_ids)),
                json.dumps(list(account.vendor_codes)),
                account.currency_code,
                account.reporting_currency_code,
                account.connection_id,
                now,
            ],
        )


def results_as_dicts(results: Iterable[LoadResult]) -> list[dict]:
    return [asdict(result) for result in results]
