"""Keep the marts of the last good run until this run's marts pass their checks.

What analysts read is the marts schema and the dbt snapshots' history (schema
snapshots, which the mart build appends to). Before dbt touches them,
`backup_marts` copies every table of both into `<schema>_previous`, in one
transaction, and records the copy against the run. When the run's mart
checks pass, `mark_published` says so; when the run ends any other way (a
model or its dbt test failed, a critical check failed), `restore_marts` puts
the copies back, in one transaction, and drops any table there the copy did
not hold. A run that stopped before its backup touched nothing published, so
it restores nothing.

Between the build and the mart checks the new tables are in place, so a
reader who opens the warehouse in that window (only possible between tasks,
while no writer holds the DuckDB file) sees unchecked marts; a failure then
takes them back. Building into a shadow schema and swapping would close that
window, at the price of a second dbt schema layout.

The warehouse is the one the checks read (`connection.open_warehouse`): the
DuckDB file, or PostgreSQL when VENDOR_RECON_WAREHOUSE_KIND=postgres. On
PostgreSQL the DDL is transactional too, so a copy or a restore that fails
half-way leaves the schemas as they were; a restored table of unchanged shape
is refilled in place, which keeps the views and grants on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vendor_recon.quality.connection import WarehouseConnection, open_warehouse
from vendor_recon.warehouse_postgres import warehouse_kind

logger = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"
# Published schemas and where their copies go.
PUBLISHED_SCHEMAS = {MARTS_SCHEMA: "marts_previous", "snapshots": "snapshots_previous"}
BACKUPS_TABLE = "quality.marts_backups"
TAKEN, PUBLISHED, RESTORED = "taken", "published", "restored"
# A copy handed on to a later run, because the run that took it died.
SUPERSEDED = "superseded"

_CREATE_BACKUPS = f"""
create schema if not exists quality;
create table if not exists {BACKUPS_TABLE} (
    run_id varchar not null,
    status varchar not null,
    tables_copied integer not null,
    rows_copied bigint not null,
    taken_at timestamptz not null,
    changed_at timestamptz not null
);
"""


@dataclass(frozen=True)
class MartsAction:
    """What a backup or restore did, for the task's XCom and logs."""

    run_id: str
    action: str
    tables: int = 0
    rows: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "action": self.action,
            "tables": self.tables,
            "rows": self.rows,
        }


def backup_marts(warehouse_path: str | Path, run_id: str) -> MartsAction:
    """Copy the marts schema's tables to `marts_previous` and record the copy.

    The marts in place are good ones (published, or restored) unless a run
    took a copy and then neither published nor restored (its process died);
    that copy is then the last good one, so it is kept and handed to this run.
    """
    with open_warehouse(warehouse_path) as connection, connection.transaction():
        connection.execute(_CREATE_BACKUPS)
        pending = connection.execute(
            f"select run_id, tables_copied, rows_copied from {BACKUPS_TABLE} "
            "where status = ? order by taken_at desc",
            [TAKEN],
        )
        now = datetime.now(UTC)
        if pending:
            earlier, tables_copied, rows = pending[0]
            logger.warning(
                "Marts rebuilt by run %s were never checked nor restored; the copy "
                "taken before it (%s tables) stays the one run %s restores",
                earlier,
                tables_copied,
                run_id,
            )
            connection.execute(
                f"update {BACKUPS_TABLE} set status = ?, changed_at = ? "
                "where status = ?",
                [SUPERSEDED, now, TAKEN],
            )
        else:
            tables_copied = rows = 0
            for schema, backup in PUBLISHED_SCHEMAS.items():
                connection.execute(f"drop schema if exists {backup} cascade")
                connection.execute(f"create schema {backup}")
                tables = _tables(connection, schema)
                tables_copied += len(tables)
                rows += _copy(connection, tables, schema, backup)
        connection.execute(f"delete from {BACKUPS_TABLE} where run_id = ?", [run_id])
        connection.execute(
            f"insert into {BACKUPS_TABLE} values (?, ?, ?, ?, ?, ?)",
            [run_id, TAKEN, tables_copied, rows, now, now],
        )
    logger.info(
        "Run %s: %s tables (%s rows) of %s kept before dbt rebuilds them",
        run_id,
        tables_copied,
        rows,
        ", ".join(PUBLISHED_SCHEMAS),
    )
    return MartsAction(run_id, "backed_up", tables_copied, rows)


def mark_published(warehouse_path: str | Path, run_id: str) -> MartsAction:
    """This run's marts passed their critical checks: keep them."""
    changed = _set_status(warehouse_path, run_id, TAKEN, PUBLISHED)
    action = "published" if changed else "no_backup"
    logger.info("Marts of run %s passed their checks: %s", run_id, action)
    return MartsAction(run_id, action)


def restore_marts(warehouse_path: str | Path, run_id: str) -> MartsAction:
    """Put back the marts copied before this run, unless they were published.

    Nothing is done when this run took no copy (it stopped before touching
    the marts) or its marts passed; the copy of an older run is never used.
    """
    with open_warehouse(warehouse_path) as connection:
        connection.execute(_CREATE_BACKUPS)
        status = _status(connection, run_id)
        if status != TAKEN:
            logger.info(
                "Run %s: marts left as they are (backup status %s)",
                run_id,
                status or "none: the run never reached the marts",
            )
            return MartsAction(run_id, "kept")
        tables = rows = dropped = 0
        with connection.transaction():
            for schema, backup in PUBLISHED_SCHEMAS.items():
                kept = _tables(connection, backup)
                added = sorted(set(_tables(connection, schema)) - set(kept))
                connection.execute(f"create schema if not exists {schema}")
                for table in added:
                    # Cascade: on PostgreSQL a view the failed run built on its
                    # new table would block the drop (DuckDB keeps the view).
                    connection.execute(f'drop table "{schema}"."{table}" cascade')
                rows += _copy(connection, kept, backup, schema)
                tables += len(kept)
                dropped += len(added)
            connection.execute(
                f"update {BACKUPS_TABLE} set status = ?, changed_at = ? "
                "where run_id = ?",
                [RESTORED, datetime.now(UTC), run_id],
            )
    logger.warning(
        "Run %s did not pass: restored %s tables (%s rows) of %s, "
        "dropped %s tables it had added",
        run_id,
        tables,
        rows,
        ", ".join(PUBLISHED_SCHEMAS),
        dropped,
    )
    return MartsAction(run_id, "restored", tables, rows)


def backup_status(warehouse_path: str | Path, run_id: str) -> str | None:
    """taken, published, restored, or None when the run took no backup."""
    if warehouse_kind() == "duckdb" and not Path(warehouse_path).is_file():
        return None
    with open_warehouse(warehouse_path) as connection:
        [(exists,)] = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'quality' and table_name = 'marts_backups'"
        )
        return _status(connection, run_id) if exists else None


def _set_status(warehouse_path: str | Path, run_id: str, old: str, new: str) -> int:
    with open_warehouse(warehouse_path) as connection:
        connection.execute(_CREATE_BACKUPS)
        changed = connection.execute(
            f"update {BACKUPS_TABLE} set status = ?, changed_at = ? "
            "where run_id = ? and status = ? returning run_id",
            [new, datetime.now(UTC), run_id, old],
        )
    return len(changed)


def _status(connection: WarehouseConnection, run_id: str) -> str | None:
    rows = connection.execute(
        f"select status from {BACKUPS_TABLE} where run_id = ?", [run_id]
    )
    return rows[0][0] if rows else None


def _tables(connection: WarehouseConnection, schema: str) -> list[str]:
    # Base tables only: a view in the marts schema reads the tables and needs
    # no copy of its own.
    rows = connection.execute(
        """
        select table_name from information_schema.tables
        where table_catalog = current_database()
            and table_schema = ? and table_type = 'BASE TABLE'
        order by table_name
        """,
        [schema],
    )
    return [name for (name,) in rows]


def _copy(
    connection: WarehouseConnection,
    tables: list[str],
    source: str,
    target: str,
) -> int:
    rows = 0
    for table in tables:
        connection.replace_table(f'"{source}"."{table}"', f'"{target}"."{table}"')
        [(count,)] = connection.execute(f'select count(*) from "{target}"."{table}"')
        rows += count
    return rows
