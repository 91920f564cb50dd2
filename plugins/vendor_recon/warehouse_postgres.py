"""The raw loader's PostgreSQL path, chosen by VENDOR_RECON_WAREHOUSE_KIND=postgres.

The same raw schema, rules and transaction as `vendor_recon.warehouse` (DuckDB,
the default): landing files are verified, read with pyarrow, copied into a
temporary table and inserted only when the account never landed that exact
payload for that key; every file of a load lands in one transaction or none
does. The connection comes from VENDOR_RECON_PG_* variables, the ones
`dbt_project/profiles.yml` reads for its `postgres` target.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from vendor_recon import warehouse
from vendor_recon.config import VendorAccount
from vendor_recon.landing import LANDING_SCHEMA, LandedFile, sha256_file, write_receipt
from vendor_recon.warehouse import LoadResult

log = logging.getLogger(__name__)

KIND_VARIABLE = "VENDOR_RECON_WAREHOUSE_KIND"
_PG_TYPES = {"string": "text", "int32": "integer", "bool": "boolean"}


def warehouse_kind() -> str:
    """`duckdb` (the default) or `postgres`."""
    kind = os.environ.get(KIND_VARIABLE, "duckdb").strip().lower() or "duckdb"
    if kind not in ("duckdb", "postgres"):
        raise ValueError(f"{KIND_VARIABLE} is {kind!r}, expected duckdb or postgres")
    return kind


@dataclass(frozen=True)
class PostgresTarget:
    """Where the warehouse lives; the password is never part of repr or logs."""

    host: str
    port: int
    user: str
    database: str
    password: str = ""
    sslmode: str = "prefer"

    @classmethod
    def from_env(cls) -> PostgresTarget:
        env = os.environ.get
        return cls(
            host=env("VENDOR_RECON_PG_HOST", "127.0.0.1"),
            port=int(env("VENDOR_RECON_PG_PORT", "5432")),
            user=env("VENDOR_RECON_PG_USER", "vendor_recon"),
            database=env("VENDOR_RECON_PG_DATABASE", "vendor_recon"),
            password=env("VENDOR_RECON_PG_PASSWORD", ""),
            sslmode=env("VENDOR_RECON_PG_SSLMODE", "prefer"),
        )

    def __repr__(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def connect(self, *, connect_timeout: int = 10):
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=self.database,
            # Empty means libpq's own sources: PGPASSWORD or ~/.pgpass.
            password=self.password or None,
            connect_timeout=connect_timeout,
            sslmode=self.sslmode,
            application_name="vendor-recon",
            options="-c timezone=UTC",
        )


def load_landed_files(
    target: PostgresTarget | None,
    manifests: Iterable[str | Path],
    accounts: Sequence[VendorAccount] = (),
    *,
    snapshot_root: str | Path | None = None,
) -> list[LoadResult]:
    """Verify and load the given landing files into PostgreSQL, all or nothing.

    Mirrors `warehouse.load_landed_files`, load receipt included.
    """
    from vendor_recon.landing import verify_manifest

    target = target or PostgresTarget.from_env()
    manifests = [Path(manifest) for manifest in manifests]
    hashes = [sha256_file(manifest) for manifest in manifests]
    landed = [verify_manifest(manifest) for manifest in manifests]
    account_rows = [warehouse.account_row(account) for account in accounts]
    now = datetime.now(UTC)
    connection = target.connect()
    try:
        _create_raw_schema(connection)
        with connection:  # one transaction: commit on success, else roll back
            cursor = _Cursor(connection.cursor())
            if account_rows:
                warehouse._replace_accounts(cursor, account_rows, now)
            results = [
                _load_file(cursor, item, now) for items in landed for item in items
            ]
    finally:
        connection.close()
    for result in results:
        log.info(
            "loaded %s into %r: %s of %s rows new, %s quarantined",
            result.snapshot_file,
            target,
            result.rows_inserted,
            result.rows_in_file,
            result.rows_quarantined,
        )
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


def loaded_inbox_files(target: PostgresTarget | None, account_id: str) -> set[str]:
    """The content hashes of the account's inbox files the database holds.

    The PostgreSQL twin of `warehouse.loaded_inbox_files`: without it every run
    would land every inbox file again (the loader would still add no row).
    """
    import psycopg2

    target = target or PostgresTarget.from_env()
    connection = target.connect()
    try:
        with connection.cursor() as cursor:
            try:
                cursor.execute(
                    "select source_file_sha256 from raw.inbox_files"
                    " where account_id = %s",
                    [account_id],
                )
            except psycopg2.errors.UndefinedTable:
                return set()
            return {digest for (digest,) in cursor.fetchall()}
    finally:
        connection.close()


def _create_raw_schema(connection) -> None:
    """The DuckDB DDL is portable as written (varchar, json, timestamptz).

    Raw tables made by an older version get today's document columns added,
    as `warehouse.connect` does for DuckDB; columns are only ever added.
    """
    with connection, connection.cursor() as cursor:
        # Two loaders creating the schema at once would race on the catalog.
        cursor.execute("select pg_advisory_xact_lock(hashtext('vendor_recon.raw'))")
        for statement in warehouse.DDL:
            cursor.execute(statement)
        cursor.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw'"
        )
        present = set(cursor.fetchall())
        for table in warehouse.RAW_TABLES:
            for name, column_type in warehouse.document_columns():
                if (table, name) not in present:
                    cursor.execute(
                        f"alter table raw.{table} add column {name} {column_type}"
                    )
                    log.info("raw.%s: added column %s", table, name)


def _load_file(cursor: _Cursor, landed: LandedFile, now: datetime) -> LoadResult:
    if landed.source not in warehouse.RAW_TABLES:
        raise ValueError(f"{landed.path}: unknown source {landed.source!r}")
    already = cursor.execute(
        "select count(*) from raw.load_log where file_sha256 = ?", [landed.sha256]
    ).fetchone()[0]
    if already:
        return LoadResult(
            landed.source, landed.account_id, landed.path, landed.rows, 0, 0, True
        )

    _copy_landing(cursor, landed.path)
    table = f"raw.{landed.source}"
    quarantined = cursor.execute(
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
    ).rowcount
    # Named columns: a table that got a column added has it last, wherever
    # today's DDL puts it.
    columns = ", ".join(name for name, _type in warehouse.document_columns())
    inserted = cursor.execute(
        f"""
        insert into {table} ({columns})
        select load_id, account_id, region, marketplace_id, source, operation,
            pull, request_params::json, window_start, window_end, page_number,
            record_number, document_key, document_updated_at, extracted_at,
            payload::json, payload_sha256, source_file, source_file_sha256,
            snapshot_file, is_outside_window
        from (
            select distinct on (account_id, document_key, payload_sha256) *
            from landing as l
            where quarantine_reason is null
                and not exists (
                    select 1 from {table} as r
                    where r.account_id = l.account_id
                        and r.document_key = l.document_key
                        and r.payload_sha256 = l.payload_sha256
                )
            order by account_id, document_key, payload_sha256,
                {warehouse.FIRST_SEEN_ORDER}
        ) as first_seen
        """
    ).rowcount
    manifest = json.loads(Path(landed.manifest_path).read_text())
    warehouse._record_inbox_files(cursor, manifest, landed, landed.path, now)
    warehouse._record_checkpoints(cursor, manifest, landed, now)
    cursor.execute(
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
    cursor.execute("drop table landing")
    return LoadResult(
        landed.source,
        landed.account_id,
        landed.path,
        landed.rows,
        inserted,
        quarantined,
    )


def _copy_landing(cursor: _Cursor, path: str) -> None:
    """The Parquet file into a temporary `landing` table through COPY (CSV)."""
    table = pq.read_table(path)
    columns = []
    for field in LANDING_SCHEMA:
        kind = _PG_TYPES.get(str(field.type), "timestamptz")
        columns.append(f"{field.name} {kind}")
        if field.name not in table.column_names:  # an older file: null column
            table = table.append_column(field.name, _nulls(field.type, len(table)))
    table = table.select([field.name for field in LANDING_SCHEMA])
    cursor.execute(
        f"create temp table landing ({', '.join(columns)}, snapshot_file text)"
    )
    buffer = io.BytesIO()
    pacsv.write_csv(
        table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed")
    )
    buffer.seek(0)
    names = ", ".join(field.name for field in LANDING_SCHEMA)
    cursor.raw.copy_expert(
        f"copy landing ({names}) from stdin with (format csv, null '')", buffer
    )
    cursor.execute("update landing set snapshot_file = ?", [path])


def _nulls(kind, length: int):
    import pyarrow as pa

    return pa.nulls(length, type=kind)


class _Cursor:
    """A psycopg2 cursor that takes DuckDB's `?` placeholders.

    This lets the loader share `vendor_recon.warehouse`'s account, inbox and
    checkpoint statements instead of keeping a second copy of them.
    """

    def __init__(self, cursor) -> None:
        self.raw = cursor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> _Cursor:
        if params is None:
            self.raw.execute(sql)
        else:
            self.raw.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))
        return self

    def fetchone(self):
        return self.raw.fetchone()

    def fetchall(self):
        return self.raw.fetchall()

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount
