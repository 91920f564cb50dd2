"""The warehouse the checks and the marts backup use: DuckDB or PostgreSQL.

`open_warehouse` picks the engine with `warehouse_kind()`, the switch the raw
loader and dbt follow, and hands back one small interface: statements with
DuckDB's placeholders (`?` in order, `$as_of` by name), a result as rows or as
a pandas frame, an explicit transaction, and the per-dialect pieces of SQL
that have no common spelling (`DialectSql`, `replace_table`).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from vendor_recon.quality.suites import DUCKDB, POSTGRES, DialectSql

logger = logging.getLogger(__name__)

_NAMED_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def resolve(sql: str | DialectSql, dialect: str) -> str:
    return sql.for_dialect(dialect) if isinstance(sql, DialectSql) else sql


def warehouse_errors() -> tuple[type[Exception], ...]:
    """What either engine raises for a bad statement or an unreachable server."""
    import psycopg2

    return (duckdb.Error, psycopg2.Error)


class WarehouseConnection:
    """A DuckDB connection; `PostgresConnection` overrides what differs."""

    dialect = DUCKDB

    def __init__(self, raw: Any, where: str) -> None:
        self.raw = raw
        self.where = where

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> list:
        """Run one statement; its rows, or [] for a statement that returns none."""
        result = self.raw.execute(sql, params)
        # fetchall, not fetchone: DuckDB 2 refuses the next statement on a
        # connection whose result was not read to the end.
        return result.fetchall() if result.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)

    def frame(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        return self.raw.execute(sql, params).df()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together, or nothing does."""
        self.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        self.execute("commit")

    def replace_table(self, source: str, target: str) -> None:
        """Make `target` ("schema"."table") a copy of `source`, rows and columns."""
        self.execute(f"create or replace table {target} as select * from {source}")

    def close(self) -> None:
        self.raw.close()


class PostgresConnection(WarehouseConnection):
    """psycopg2 in autocommit: a failed read does not abort the next one."""

    dialect = POSTGRES

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> list:
        with self.raw.cursor() as cursor:
            cursor.execute(*_pyformat(sql, params))
            return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        from psycopg2.extras import execute_batch

        with self.raw.cursor() as cursor:
            execute_batch(cursor, _pyformat(sql, [])[0], rows)

    def frame(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        with self.raw.cursor() as cursor:
            cursor.execute(*_pyformat(sql, params))
            names = [column.name for column in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=names)

    def replace_table(self, source: str, target: str) -> None:
        # PostgreSQL has no `create or replace table`. Refilling a table of the
        # same shape keeps the views that read it (a drop would need cascade);
        # a table whose columns changed is dropped, its dependants with it.
        if self._columns(source) == self._columns(target):
            self.execute(f"truncate {target}")
            self.execute(f"insert into {target} select * from {source}")
            return
        self.execute(f"drop table if exists {target} cascade")
        self.execute(f"create table {target} as select * from {source}")

    def _columns(self, table: str) -> list[tuple]:
        return self.execute(
            """
            select attname, format_type(atttypid, atttypmod)
            from pg_attribute
            where attrelid = to_regclass(?) and attnum > 0 and not attisdropped
            order by attnum
            """,
            [table],
        )


@contextlib.contextmanager
def open_warehouse(
    warehouse_path: str | Path, *, must_exist: bool = False
) -> Iterator[WarehouseConnection]:
    """The configured warehouse: the DuckDB file, or PostgreSQL from VENDOR_RECON_PG_*.

    Sessions run in UTC on both, so timestamps reach pandas in UTC. With
    ``must_exist`` a missing DuckDB file is a FileNotFoundError rather than a
    new empty warehouse (PostgreSQL has no file; the path is then unused).
    """
    from vendor_recon.warehouse_postgres import PostgresTarget, warehouse_kind

    kind = warehouse_kind()
    if kind == DUCKDB and must_exist and not Path(warehouse_path).is_file():
        raise FileNotFoundError(f"{warehouse_path}: warehouse file not found")
    if kind == POSTGRES:
        target = PostgresTarget.from_env()
        connection: WarehouseConnection = PostgresConnection(
            _connect_postgres(target), repr(target)
        )
    else:
        raw = duckdb.connect(str(warehouse_path))
        raw.execute("set timezone = 'UTC'")
        connection = WarehouseConnection(raw, str(warehouse_path))
    try:
        yield connection
    finally:
        connection.close()


def _connect_postgres(target: Any) -> Any:
    from psycopg2.extras import register_default_json, register_default_jsonb

    raw = target.connect()
    raw.autocommit = True
    # JSON as text, as DuckDB hands it over: the checks compare strings, and a
    # frame of dicts would not write to Parquet for Great Expectations.
    register_default_json(raw, loads=_as_text)
    register_default_jsonb(raw, loads=_as_text)
    return raw


def _as_text(value: str) -> str:
    return value


def _pyformat(sql: str, params: Sequence[Any] | dict | None) -> tuple:
    """DuckDB placeholders (`?`, `$name`) as psycopg2's (`%s`, `%(name)s`)."""
    if params is None:
        return (sql,)
    sql = sql.replace("%", "%%")
    if isinstance(params, dict):
        return (_NAMED_PARAMETER.sub(r"%(\1)s", sql), params)
    return (sql.replace("?", "%s"), list(params))
