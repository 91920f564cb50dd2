"""Dated Parquet copies of the marts with a manifest (`vendor-recon export-marts`).

`<to>/dt=<day>/<table>.parquet`, one file per table of the `marts` schema, and
`<to>/dt=<day>/_manifest.json` with each file's rows, columns and sha256. A day
is written once: the folder appears complete (written aside, then renamed) or
not at all, and an existing day is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

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
    if day > datetime.now(UTC).date():
        raise ValueError(f"--day {day} is in the future")
    folder = Path(to).resolve() / f"dt={day.isoformat()}"
    if folder.exists():
        raise FileExistsError(f"{folder}: already exported; a day is written once")
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    kind = warehouse_kind()
    try:
        if kind == "postgres":
            tables, source = _export_postgres(partial, progress)
        else:
            tables, source = _export_duckdb(settings.warehouse_path, partial, progress)
        if not tables:
            raise LookupError(f"{source}: no tables in schema {SCHEMA}; build first")
        export = MartsExport(
            day=day.isoformat(),
            folder=str(folder),
            warehouse=source,
            exported_at=datetime.now(UTC).isoformat(),
            tables=tables,
        )
        (partial / MANIFEST_NAME).write_text(json.dumps(asdict(export), indent=2))
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    log.info(
        "exported %s mart tables (%s rows) of %s to %s",
        len(tables),
        sum(t.rows for t in tables),
        day,
        folder,
    )
    return export


def _export_duckdb(warehouse: Path, folder: Path, progress):
    import duckdb

    if not warehouse.is_file():
        raise FileNotFoundError(f"{warehouse}: no warehouse; run the DAG first")
    tables = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
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
                progress(name)
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
                    progress(name)
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
