"""Dated Parquet copies of the marts with a manifest (`vendor-recon export-marts`).

`<to>/dt=<day>/<table>.parquet`, one file per table of the `marts` schema, and
`<to>/dt=<day>/_manifest.json` with each file's rows, columns and sha256. A day
is written once: the folder appears complete (written aside, then renamed) or
not at all, and an existing day is never overwritten.

`export_marts` copies the warehouse's marts as they are. `export_marts_as_of`
rebuilds them as of a past day from the snapshots alone: the loads of that UTC
day and before are replayed into a new DuckDB file (`warehouse.restore`), dbt
builds everything there with `as_of` at that day's 00:00 UTC, the data interval
end of the daily run that loaded on that day, and those marts are exported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from vendor_recon.settings import Settings

log = logging.getLogger(__name__)

MANIFEST_NAME = "_manifest.json"
SCHEMA = "marts"


@dataclass
class ExportedTable:
    table: str
    file: str
    rows: int
    columns: list[str]
    sha256: str


@dataclass
class MartsExport:
    day: str
    folder: str
    warehouse: str
    exported_at: str
    tables: list[ExportedTable] = field(default_factory=list)
    # Set by export_marts_as_of: the moment the marts were judged as of, and
    # what was replayed from the snapshots to rebuild them.
    as_of: str | None = None
    rebuilt_from: dict[str, Any] | None = None


def export_marts(
    day: date,
    to: str | Path,
    *,
    settings: Settings | None = None,
    progress: Callable[[str], None] | None = None,
) -> MartsExport:
    """Write every mart as Parquet under `<to>/dt=<day>/`; return the manifest."""
    from vendor_recon.warehouse_postgres import warehouse_kind

    settings = settings or Settings.from_env()
    folder = _day_folder(day, to)
    with _written_once(folder) as partial:
        if warehouse_kind() == "postgres":
            tables, source = _export_postgres(partial, progress)
        else:
            tables, source = _export_duckdb(settings.warehouse_path, partial, progress)
        export = _manifest(day, folder, source, tables)
        (partial / MANIFEST_NAME).write_text(json.dumps(asdict(export), indent=2))
    _log_export(export)
    return export


def export_marts_as_of(
    day: date,
    to: str | Path,
    *,
    settings: Settings | None = None,
    warehouse: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> MartsExport:
    """Rebuild the marts as of `day` from the snapshots alone and export them
    under `<to>/dt=<day>/`; the rebuilt DuckDB file is kept at `warehouse` if
    given (it must not exist), else thrown away."""
    from vendor_recon.pipeline import build_marts
    from vendor_recon.warehouse import restore

    settings = settings or Settings.from_env()
    folder = _day_folder(day, to)
    as_of = datetime.combine(day, time(0), tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="vendor-recon-as-of-") as scratch:
        target = Path(warehouse) if warehouse else Path(scratch) / "as_of.duckdb"
        if progress:
            progress(f"restoring the raw tables loaded through {day}")
        restored = restore(settings.snapshot_root, target, through=day)
        if not restored.loads:
            target.unlink(missing_ok=True)
            raise LookupError(
                f"{settings.snapshot_root}: no load receipts through {day}; "
                "nothing to rebuild"
            )
        if progress:
            progress(f"building the marts as of {as_of.isoformat()} (dbt build)")
        rebuilt = replace(settings, warehouse_path=target, dbt_target="duckdb")
        with _quiet_dbt():
            build_marts(rebuilt, variables={"as_of": as_of.isoformat()})
        with _written_once(folder) as partial:
            tables, source = _export_duckdb(target, partial, progress)
            export = _manifest(day, folder, source, tables)
            export.as_of = as_of.isoformat()
            export.rebuilt_from = {
                "snapshot_root": str(settings.snapshot_root),
                "loads_through": day.isoformat(),
                "loads": restored.loads,
                "files": restored.files,
                "raw_rows": restored.rows_inserted,
                "warehouse_kept": str(target) if warehouse else None,
            }
            (partial / MANIFEST_NAME).write_text(json.dumps(asdict(export), indent=2))
    log.info(
        "rebuilt the marts as of %s from %s loads (%s raw rows) of %s",
        as_of.isoformat(),
        restored.loads,
        restored.rows_inserted,
        settings.snapshot_root,
    )
    _log_export(export)
    return export


def _day_folder(day: date, to: str | Path) -> Path:
    if day > datetime.now(UTC).date():
        raise ValueError(f"{day} is in the future")
    folder = Path(to).resolve() / f"dt={day.isoformat()}"
    if folder.exists():
        raise FileExistsError(f"{folder}: already exported; a day is written once")
    return folder


@contextmanager
def _written_once(folder: Path) -> Iterator[Path]:
    """A scratch folder beside `folder`, renamed to it only if the block ends well."""
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        yield partial
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


@contextmanager
def _quiet_dbt() -> Iterator[None]:
    """dbt without its log lines on stdout (the CLI shows progress); the
    variables build_marts sets are put back afterwards."""
    saved = {
        name: os.environ.get(name) for name in ("VENDOR_RECON_WAREHOUSE", "DBT_QUIET")
    }
    os.environ["DBT_QUIET"] = "true"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _manifest(day: date, folder: Path, source: str, tables) -> MartsExport:
    if not tables:
        raise LookupError(f"{source}: no tables in schema {SCHEMA}; build first")
    return MartsExport(
        day=day.isoformat(),
        folder=str(folder),
        warehouse=source,
        exported_at=datetime.now(UTC).isoformat(),
        tables=tables,
    )


def _log_export(export: MartsExport) -> None:
    log.info(
        "exported %s mart tables (%s rows) of %s to %s",
        len(export.tables),
        sum(t.rows for t in export.tables),
        export.day,
        export.folder,
    )


def _export_duckdb(warehouse: Path, folder: Path, progress):
    import duckdb

    if not warehouse.is_file():
        raise FileNotFoundError(f"{warehouse}: no warehouse; run the DAG first")
    tables = []
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.ConnectionException:
        # This process already holds the file read-write (in-process dbt just
        # built it); a second handle must use the same configuration.
        connection = duckdb.connect(str(warehouse))
    with connection:
        names = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by table_name",
                [SCHEMA],
            ).fetchall()
        ]
        for name in names:
            if progress:
                progress(f"exporting {SCHEMA}.{name}")
            path = folder / f"{name}.parquet"
            connection.execute(
                f"copy (select * from {SCHEMA}.\"{name}\") to '{path}' "
                "(format parquet, compression zstd)"
            )
            tables.append(_describe(name, path))
    return tables, str(warehouse)


def _export_postgres(folder: Path, progress):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vendor_recon.warehouse_postgres import PostgresTarget

    target = PostgresTarget.from_env()
    tables = []
    connection = target.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s order by table_name",
                [SCHEMA],
            )
            names = [name for (name,) in cursor.fetchall()]
            for name in names:
                if progress:
                    progress(f"exporting {SCHEMA}.{name}")
                cursor.execute(f'select * from {SCHEMA}."{name}"')
                columns = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
                table = pa.table(
                    {c: [row[i] for row in rows] for i, c in enumerate(columns)}
                )
                path = folder / f"{name}.parquet"
                pq.write_table(table, path, compression="zstd")
                tables.append(_describe(name, path))
    finally:
        connection.close()
    return tables, repr(target)


def _describe(name: str, path: Path) -> ExportedTable:
    import pyarrow.parquet as pq

    metadata = pq.read_metadata(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ExportedTable(
        table=f"{SCHEMA}.{name}",
        file=path.name,
        rows=metadata.num_rows,
        columns=metadata.schema.to_arrow_schema().names,
        sha256=digest,
    )
