"""The raw schema and its one writer: landing files in, one transaction per load.

Raw tables are append-only. A document is inserted only when the account has
never landed that exact payload for that key, so a rerun adds nothing and a
changed document becomes a new version row beside the old one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from vendor_recon.config import VendorAccount
from vendor_recon.landing import (
    LANDING_SCHEMA,
    LandedFile,
    manifest_day,
    manifests_in,
    read_receipt,
    receipts_in,
    sha256_file,
    verify_manifest,
    write_receipt,
)
from vendor_recon.sources import vendor_reports
from vendor_recon.sources.registry import sources_for
from vendor_recon.sources.windows import parse_iso

log = logging.getLogger(__name__)

# One table per source, all with the same columns (see docs/reconciliation-rules.md).
RAW_TABLES = (
    "purchase_orders",
    "purchase_order_statuses",
    "vendor_invoices",
    "vendor_shipment_confirmations",
    "remittance_lines",
    "finance_invoices",
    "vendor_reports",
)

# Which landing row of a document version the loader keeps: one read inside
# its window if there is one (a pull that strayed outside it is only the
# second witness), then the first by pull, page and record.
FIRST_SEEN_ORDER = "is_outside_window is true, pull, page_number, record_number"

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
    snapshot_file varchar,
    is_outside_window boolean
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
    create table if not exists raw.inbox_files (
        account_id varchar not null,
        source varchar not null,
        operation varchar not null,
        source_file varchar not null,
        source_file_sha256 varchar not null,
        size_bytes bigint not null,
        records bigint not null,
        records_quarantined bigint not null,
        load_id varchar not null,
        snapshot_file varchar not null,
        loaded_at timestamptz not null
    )
    """,
    """
    create table if not exists raw.extraction_checkpoints (
        account_id varchar not null,
        source varchar not null,
        pull varchar not null,
        window_start timestamptz not null,
        window_end timestamptz not null,
        completed_at timestamptz not null,
        load_id varchar not null
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
    # The reports each account reads (its options.reports), so monitoring
    # knows which report days to expect; replaced with raw.vendor_accounts.
    """
    create table if not exists raw.vendor_account_reports (
        account_id varchar not null,
        report_type varchar not null,
        report_period varchar not null,
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
    _add_missing_columns(connection)
    return connection


def _add_missing_columns(connection: duckdb.DuckDBPyConnection) -> None:
    """Bring raw tables made by an older version up to today's columns.

    Columns are only ever added (raw tables are append-only), and loads insert
    by name, so an added column's position does not matter.
    """
    wanted = document_columns()
    for table in RAW_TABLES:
        present = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()
        }
        for name, column_type, *_ in wanted:
            if name not in present:
                connection.execute(
                    f"alter table raw.{table} add column {name} {column_type}"
                )
                log.info("raw.%s: added column %s", table, name)


def document_columns() -> list[tuple[str, str]]:
    """(name, type) of every column of the per-document raw tables, in order."""
    return [
        tuple(line.strip().rstrip(",").split()[:2])
        for line in _DOCUMENT_COLUMNS.strip().splitlines()
    ]


def load_landed_files(
    warehouse_path: str | Path,
    manifests: Iterable[str | Path],
    accounts: Sequence[VendorAccount] = (),
    *,
    snapshot_root: str | Path | None = None,
) -> list[LoadResult]:
    """Verify and load the given landing files in one transaction.

    Either every file lands or none does: a failure rolls back and leaves the
    raw tables as they were. After the commit a load receipt goes into the
    snapshots (`loads/dt=<day>/`), so `restore` can replay every load in order.
    The snapshot root defaults to the one the first manifest lives in.
    """
    manifests = [Path(manifest) for manifest in manifests]
    hashes = [sha256_file(manifest) for manifest in manifests]
    landed = [verify_manifest(manifest) for manifest in manifests]
    files = [(item, None) for items in landed for item in items]
    account_rows = [account_row(account) for account in accounts]
    now = datetime.now(UTC)
    connection = connect(warehouse_path)
    try:
        results = _load_transaction(connection, files, account_rows, now)
    finally:
        connection.close()
    _log_results(results)
    root = snapshot_root or (manifests[0].parents[3] if manifests else None)
    if root is not None:
        write_receipt(
            root,
            now,
            [
                (manifest, digest, [item.path for item in items])
                for manifest, digest, items in zip(
                    manifests, hashes, landed, strict=True
                )
            ],
            account_rows,
        )
    return results


def restore(
    snapshot_root: str | Path,
    target: str | Path,
    *,
    through: date | None = None,
    include_unloaded: bool = False,
) -> RestoreResult:
    """Rebuild the raw tables in a new DuckDB file from the snapshots alone.

    Every load receipt (through the given UTC day of loading) is replayed in
    order with its recorded load time and accounts, so the restored tables
    equal the originals column for column. Manifests that no receipt names
    (landed but never loaded, or older than receipts) are left out and listed,
    unless `include_unloaded` loads them last, at the time of the restore.
    A failed restore leaves no file behind.
    """
    root, target = Path(snapshot_root), Path(target)
    if target.exists():
        raise FileExistsError(f"{target}: already exists; restore writes a new file")
    partial = target.with_name(f".{target.name}.partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    result = RestoreResult(path=str(target))
    replayed: set[Path] = set()
    connection = connect(partial)
    try:
        for receipt in receipts_in(root):
            loaded_at, entries, accounts = read_receipt(root, receipt)
            if through is not None and loaded_at.date() > through:
                continue
            files = [
                (item, label)
                for manifest, labels in entries
                for item, label in zip(verify_manifest(manifest), labels, strict=True)
            ]
            replayed.update(manifest.resolve() for manifest, _ in entries)
            loaded = _load_transaction(connection, files, accounts, loaded_at)
            result.add(loaded)
        unloaded = [
            manifest
            for manifest in manifests_in(root)
            if manifest.resolve() not in replayed
            and (through is None or manifest_day(manifest) <= through)
        ]
        result.unloaded_manifests = [str(manifest) for manifest in unloaded]
        if include_unloaded and unloaded:
            files = [(item, None) for m in unloaded for item in verify_manifest(m)]
            result.add(_load_transaction(connection, files, [], datetime.now(UTC)))
        connection.close()
        os.replace(partial, target)
    except BaseException:
        connection.close()
        partial.unlink(missing_ok=True)
        raise
    log.info(
        "restored %s loads (%s files, %s rows) from %s into %s; %s manifests left out",
        result.loads,
        result.files,
        result.rows_inserted,
        root,
        target,
        0 if include_unloaded else len(result.unloaded_manifests),
    )
    return result


def loaded_inbox_files(warehouse_path: str | Path, account_id: str) -> set[str]:
    """The content hashes of the account's inbox files the warehouse holds.

    Read-only, so parallel extract tasks can ask while no load is running; a
    warehouse that does not exist yet holds nothing.
    """
    path = Path(warehouse_path)
    if not path.exists():
        return set()
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException:
        # This process already holds the file read-write (in-process dbt under
        # dag.test() does); a second handle must use the same configuration.
        connection = duckdb.connect(str(path))
    with connection:
        try:
            rows = connection.execute(
                "select source_file_sha256 from raw.inbox_files where account_id = ?",
                [account_id],
            ).fetchall()
        except duckdb.CatalogException:
            return set()
    return {digest for (digest,) in rows}


@dataclass
class RestoreResult:
    path: str
    loads: int = 0
    files: int = 0
    rows_inserted: int = 0
    unloaded_manifests: list[str] = field(default_factory=list)

    def add(self, results: Sequence[LoadResult]) -> None:
        self.loads += 1
        self.files += len(results)
        self.rows_inserted += sum(result.rows_inserted for result in results)


def _load_transaction(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[LandedFile, str | None]],
    account_rows: Sequence[dict[str, Any]],
    now: datetime,
) -> list[LoadResult]:
    try:
        connection.execute("begin transaction")
        if account_rows:
            _replace_accounts(connection, account_rows, now)
        results = [_load_file(connection, item, now, label) for item, label in files]
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    return results


def _log_results(results: Iterable[LoadResult]) -> None:
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


def _load_file(
    connection: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    now: datetime,
    label: str | None = None,
) -> LoadResult:
    """Load one landing file; `label` is the snapshot_file to record (restore)."""
    if landed.source not in RAW_TABLES:
        raise ValueError(f"{landed.path}: unknown source {landed.source!r}")
    snapshot_file = label or landed.path
    already = connection.execute(
        "select count(*) from raw.load_log where file_sha256 = ?", [landed.sha256]
    ).fetchone()[0]
    if already:
        return LoadResult(
            landed.source, landed.account_id, snapshot_file, landed.rows, 0, 0, True
        )

    table = f"raw.{landed.source}"
    # A view, not a temp table: DuckDB streams the file into each statement,
    # which halved a year's backfill load in time and memory. Views take no
    # parameters, so the two paths (ours, never user text) are quoted here.
    connection.execute(
        "create or replace temp view landing as "
        f"select {_landing_columns(landed.path)}, "
        f"{_literal(snapshot_file)} as snapshot_file "
        f"from read_parquet({_literal(landed.path)})"
    )
    # Inbox rows name their own file and record (a JSON index, a CSV line, an
    # X12 segment); API rows are found by page and record of the snapshot.
    quarantined = connection.execute(
        """
        insert into raw.quarantine
        select load_id, account_id, source, operation,
            coalesce(source_file, snapshot_file),
            coalesce(
                quarantine_record,
                'page ' || page_number || ' record ' || record_number
            ),
            coalesce(quarantine_field, split_part(quarantine_reason, ':', 1)),
            quarantine_reason, payload, payload_sha256, ?
        from landing
        where quarantine_reason is not null
        """,
        [now],
    ).fetchone()[0]
    inserted = connection.execute(
        f"""
        insert into {table} by name
        select load_id, account_id, region, marketplace_id, source, operation,
            pull, request_params::json as request_params, window_start,
            window_end, page_number, record_number, document_key,
            document_updated_at, extracted_at, payload::json as payload,
            payload_sha256, source_file, source_file_sha256,
            snapshot_file, is_outside_window
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
            order by {FIRST_SEEN_ORDER}
        ) = 1
        """
    ).fetchone()[0]
    manifest = json.loads(Path(landed.manifest_path).read_text())
    _record_inbox_files(connection, manifest, landed, snapshot_file, now)
    _record_checkpoints(connection, manifest, landed, now)
    connection.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            landed.load_id,
            landed.account_id,
            landed.source,
            snapshot_file,
            landed.sha256,
            landed.rows,
            inserted,
            quarantined,
            now,
        ],
    )
    connection.execute("drop view landing")
    return LoadResult(
        landed.source,
        landed.account_id,
        snapshot_file,
        landed.rows,
        inserted,
        quarantined,
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _landing_columns(path: str) -> str:
    """Every landing column; those an older file lacks read as null."""
    present = set(pq.read_schema(path).names)
    types = {"string": "varchar", "int32": "integer", "bool": "boolean"}
    columns = []
    for column in LANDING_SCHEMA:
        if column.name in present:
            columns.append(column.name)
        else:
            kind = types.get(str(column.type), "timestamptz")
            columns.append(f"null::{kind} as {column.name}")
    return ", ".join(columns)


def _record_inbox_files(connection, manifest, landed, snapshot_file, now) -> None:
    """Remember each inbox file by content, so the same bytes never load twice."""
    for entry in manifest.get("source_files", []):
        connection.execute(
            """
            insert into raw.inbox_files
            select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
            where not exists (
                select 1 from raw.inbox_files
                where account_id = ? and source_file_sha256 = ?
            )
            """,
            [
                landed.account_id,
                landed.source,
                entry["operation"],
                entry["path"],
                entry["sha256"],
                entry["bytes"],
                entry["records"],
                entry["quarantined"],
                landed.load_id,
                snapshot_file,
                now,
                landed.account_id,
                entry["sha256"],
            ],
        )


def _record_checkpoints(connection, manifest, landed, now) -> None:
    """One checkpoint per (pull, window) the manifest says was read to the end."""
    incomplete = {tuple(item) for item in manifest.get("incomplete_windows", [])}
    for pull, start, end in manifest.get("windows", []):
        if (pull, start, end) in incomplete:
            continue
        connection.execute(
            """
            insert into raw.extraction_checkpoints
            select ?, ?, ?, ?, ?, ?, ?
            where not exists (
                select 1 from raw.extraction_checkpoints
                where account_id = ? and source = ? and pull = ?
                    and window_start = ? and window_end = ?
            )
            """,
            [
                landed.account_id,
                landed.source,
                pull,
                parse_iso(start),
                parse_iso(end),
                now,
                landed.load_id,
                landed.account_id,
                landed.source,
                pull,
                parse_iso(start),
                parse_iso(end),
            ],
        )


def account_row(account: VendorAccount) -> dict[str, Any]:
    """An account as raw.vendor_accounts and the load receipts keep it."""
    return {
        "account_id": account.account_id,
        "region": account.region,
        "marketplace_ids": list(account.marketplace_ids),
        "vendor_codes": list(account.vendor_codes),
        "currency_code": account.currency_code,
        "reporting_currency_code": account.reporting_currency_code,
        "connection_id": account.connection_id,
        "report_periods": (
            vendor_reports.report_periods(account)
            if vendor_reports.NAME in sources_for(account)
            else {}
        ),
    }


def _replace_accounts(connection, accounts: Sequence[dict[str, Any]], now) -> None:
    connection.execute("delete from raw.vendor_accounts")
    for account in accounts:
        connection.execute(
            "insert into raw.vendor_accounts values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                account["account_id"],
                account["region"],
                json.dumps(account["marketplace_ids"]),
                json.dumps(account["vendor_codes"]),
                account["currency_code"],
                account["reporting_currency_code"],
                account["connection_id"],
                now,
            ],
        )
    # Receipts written before report periods were kept have none to replay.
    connection.execute("delete from raw.vendor_account_reports")
    for account in accounts:
        for report_type, period in sorted(account.get("report_periods", {}).items()):
            connection.execute(
                "insert into raw.vendor_account_reports values (?, ?, ?, ?)",
                [account["account_id"], report_type, period, now],
            )


def results_as_dicts(results: Iterable[LoadResult]) -> list[dict]:
    return [asdict(result) for result in results]
