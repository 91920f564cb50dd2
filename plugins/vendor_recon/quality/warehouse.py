"""Warehouse side: read the suites' tables, keep the results in quality.gx_results.

The same statements run on DuckDB and PostgreSQL (see `connection`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pandas as pd

from vendor_recon.quality.connection import (
    WarehouseConnection,
    open_warehouse,
    resolve,
    warehouse_errors,
)
from vendor_recon.quality.report import ExpectationOutcome
from vendor_recon.quality.suites import CRITICAL, Suite

logger = logging.getLogger(__name__)

RESULTS_TABLE = "quality.gx_results"
TABLE_MISSING = "expect_table_to_exist"
TABLE_UNREADABLE = "expect_table_to_be_readable"

_CREATE_RESULTS = f"""
create schema if not exists quality;
create table if not exists {RESULTS_TABLE} (
    run_id varchar not null,
    layer varchar not null,
    suite_name varchar not null,
    table_name varchar not null,
    expectation_type varchar not null,
    column_names varchar[],
    kwargs json,
    severity varchar not null,
    success boolean not null,
    unexpected_count bigint,
    element_count bigint,
    observed_value varchar,
    exception_message varchar,
    validated_at timestamptz not null
);
"""
_INSERT_RESULT = f"insert into {RESULTS_TABLE} values ({', '.join(['?'] * 14)})"


def read_tables(
    warehouse_path: Path, suites: list[Suite], as_of: datetime | None = None
) -> tuple[dict[str, pd.DataFrame], list[ExpectationOutcome]]:
    """Each suite's table as a dataframe, and a critical outcome per unreadable one.

    ``as_of`` is bound to ``$as_of`` in suite queries and derived columns. The
    connection is closed before validation so that nothing holds the file while
    Great Expectations runs, and the caller can write afterwards. A missing
    table of an optional suite is skipped.
    """
    frames: dict[str, pd.DataFrame] = {}
    problems: list[ExpectationOutcome] = []
    with open_warehouse(warehouse_path) as connection:
        for suite in suites:
            if not _table_exists(connection, suite) and suite.optional:
                logger.info(
                    "Table %s of optional suite %s not found; suite skipped",
                    suite.table,
                    suite.name,
                )
                continue
            if not _table_exists(connection, suite):
                logger.warning(
                    "Table %s of suite %s not found in %s",
                    suite.table,
                    suite.name,
                    connection.where,
                )
                problems.append(
                    _table_problem(
                        suite,
                        TABLE_MISSING,
                        f"table {suite.table} not found in warehouse "
                        f"{connection.where}",
                    )
                )
                continue
            try:
                sql = _select(suite, connection.dialect)
                params = {"as_of": as_of} if "$as_of" in sql else None
                frames[suite.name] = connection.frame(sql, params)
            except warehouse_errors() as exc:
                # A derived column naming a dropped column lands here; report it
                # as a failed check so the other suites still run.
                logger.warning("Table %s could not be read: %s", suite.table, exc)
                problems.append(
                    _table_problem(
                        suite, TABLE_UNREADABLE, f"table {suite.table}: {exc}"
                    )
                )
                continue
            logger.info(
                "Read %s rows from %s for suite %s",
                len(frames[suite.name]),
                suite.table,
                suite.name,
            )
    return frames, problems


def write_outcomes(
    warehouse_path: Path,
    run_id: str,
    layer: str,
    outcomes: list[ExpectationOutcome],
    validated_at: datetime,
) -> None:
    """Replace this run's rows for this layer with one row per outcome."""
    rows = [
        (
            run_id,
            layer,
            outcome.suite_name,
            outcome.table_name,
            outcome.expectation_type,
            list(outcome.column_names) or None,
            json.dumps(outcome.kwargs, sort_keys=True, default=str),
            outcome.severity,
            outcome.success,
            outcome.unexpected_count,
            outcome.element_count,
            outcome.observed_value,
            outcome.exception_message,
            validated_at,
        )
        for outcome in outcomes
    ]
    with open_warehouse(warehouse_path) as connection:
        connection.execute(_CREATE_RESULTS)
        # The slice is run and layer: one run checks raw, staging and marts in
        # turn, and re-running one layer must not drop the others' results.
        with connection.transaction():
            connection.execute(
                f"delete from {RESULTS_TABLE} where run_id = ? and layer = ?",
                [run_id, layer],
            )
            if rows:
                connection.executemany(_INSERT_RESULT, rows)
        where = connection.where
    logger.info(
        "Stored %s results for run %s layer %s in %s of %s",
        len(rows),
        run_id,
        layer,
        RESULTS_TABLE,
        where,
    )


def _table_exists(connection: WarehouseConnection, suite: Suite) -> bool:
    # information_schema.tables lists views too, which is what dbt may build.
    [(count,)] = connection.execute(
        """
        select count(*)
        from information_schema.tables
        where table_catalog = current_database()
            and lower(table_schema) = lower(?)
            and lower(table_name) = lower(?)
        """,
        [suite.schema_name, suite.table_name],
    )
    return count > 0


def _select(suite: Suite, dialect: str) -> str:
    # Names were checked to be plain identifiers when the suite was defined, and
    # the expressions come from suite files in this repository.
    if suite.query:
        return resolve(suite.query, dialect)
    derived = "".join(
        f', ({resolve(expression, dialect)}) as "{column}"'
        for column, expression in suite.derived_columns.items()
    )
    return f'select *{derived} from "{suite.schema_name}"."{suite.table_name}"'


def _table_problem(suite: Suite, check: str, message: str) -> ExpectationOutcome:
    return ExpectationOutcome(
        suite_name=suite.name,
        table_name=suite.table,
        expectation_type=check,
        column_names=(),
        kwargs={"table": suite.table},
        severity=CRITICAL,
        success=False,
        exception_message=message,
    )
