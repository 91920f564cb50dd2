"""Building blocks the suite files share: raw document tables, volumes, money."""

from __future__ import annotations

import great_expectations.expectations as gxe

from vendor_recon.quality.reference_data import currency_minor_units
from vendor_recon.quality.suites import DialectSql, Suite, critical, warning

# Every raw document table has these columns (see warehouse.py); these must be
# filled on every row.
DOCUMENT_KEY_COLUMNS = (
    "load_id",
    "account_id",
    "region",
    "source",
    "operation",
    "document_key",
    "extracted_at",
    "payload",
    "payload_sha256",
)
# A new version of a document is a new row, so the key of a row is its payload.
DOCUMENT_VERSION_KEY = ["account_id", "document_key", "payload_sha256"]
# How far ahead of the checking clock an extraction may be stamped before it
# counts as "in the future": the machines' clocks are allowed to disagree a bit.
# Quoted, the one interval spelling DuckDB and PostgreSQL share.
CLOCK_SKEW = "interval '5 minutes'"
# A timestamptz (an instant, shown in UTC) told from a naive timestamp whose
# zone nobody knows, named as DuckDB's typeof() names it on both engines.
TIMESTAMPTZ = "TIMESTAMP WITH TIME ZONE"

# Daily volume: a day whose count falls to zero, or below this share of the
# median of the days before it, is a warning.
VOLUME_TRAILING_DAYS = 7
VOLUME_MIN_HISTORY_DAYS = 3
VOLUME_MIN_SHARE_OF_MEDIAN = 0.2


def document_table_suite(
    table: str, *, windowed: bool, optional: bool = False
) -> Suite:
    """The checks every raw document table needs, whatever its source.

    ``windowed`` sources (the SP-API pulls) must say which window they read;
    file sources leave the window empty, and only a window that is there is
    checked for start before end.
    """
    window_columns = ("window_start", "window_end") if windowed else ()
    return Suite(
        table=table,
        optional=optional,
        derived_columns={
            "extracted_at_type": column_type_sql("extracted_at"),
            "is_extracted_in_future": (
                f"coalesce(extracted_at > $as_of + {CLOCK_SKEW}, false)"
            ),
        },
        expectations=[
            *(
                critical(gxe.ExpectColumnValuesToNotBeNull(column=column))
                for column in (*DOCUMENT_KEY_COLUMNS, *window_columns)
            ),
            critical(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=DOCUMENT_VERSION_KEY)
            ),
            critical(
                gxe.ExpectColumnValuesToMatchRegex(
                    column="payload_sha256", regex=r"^[0-9a-f]{64}$"
                )
            ),
            critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column="extracted_at_type", value_set=[TIMESTAMPTZ]
                )
            ),
            critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column="is_extracted_in_future", value_set=[False]
                )
            ),
            critical(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="window_end",
                    column_B="window_start",
                    or_equal=False,
                    ignore_row_if="either_value_is_missing",
                )
            ),
        ],
    )


def column_type_sql(column: str) -> DialectSql:
    """The column's type name in upper case, as DuckDB's typeof() gives it."""
    return DialectSql(
        duckdb=f"typeof({column})", postgres=f"upper(pg_typeof({column})::text)"
    )


def daily_volume_query() -> str:
    """Per account, source and load day: files' rows vs the trailing median.

    Counts come from raw.load_log (rows in the landed files, so an unchanged
    re-extraction still counts, unlike the deduplicated document tables). Every
    configured account and every source seen is expected on every day between
    the first and the last load, so a day without any load counts zero. Only
    the last day is judged: older days were judged by earlier runs.

    Written for both engines: PostgreSQL has no median() window, so the
    trailing days are joined in and their percentile_cont taken; with every
    day present, the days before are the rows before.
    """
    return f"""
    with loads as (
        select
            account_id,
            source,
            cast(timezone('UTC', loaded_at) as date) as load_date,
            rows_in_file
        from raw.load_log
        where loaded_at <= $as_of + {CLOCK_SKEW}
    ),
    bounds as (
        select min(load_date) as first_date, max(load_date) as last_date from loads
    ),
    accounts as (
        select account_id from raw.vendor_accounts
        union
        select account_id from loads
    ),
    sources as (select distinct source from loads),
    days as (
        select cast(t.day as date) as load_date
        from bounds,
            generate_series(
                cast(bounds.first_date as timestamp),
                cast(bounds.last_date as timestamp),
                interval '1 day'
            ) as t (day)
    ),
    expected as (
        select accounts.account_id, sources.source, days.load_date
        from accounts cross join sources cross join days
    ),
    counted as (
        select
            expected.account_id,
            expected.source,
            expected.load_date,
            coalesce(sum(loads.rows_in_file), 0) as rows_loaded
        from expected
        left join loads
            on expected.account_id = loads.account_id
            and expected.source = loads.source
            and expected.load_date = loads.load_date
        group by expected.account_id, expected.source, expected.load_date
    ),
    with_history as (
        select
            judged.account_id,
            judged.source,
            judged.load_date,
            judged.rows_loaded,
            percentile_cont(0.5) within group (order by history.rows_loaded)
                as trailing_median_rows,
            count(history.load_date) as history_days
        from counted as judged
        left join counted as history
            on judged.account_id = history.account_id
            and judged.source = history.source
            and history.load_date < judged.load_date
            and history.load_date >= judged.load_date - {VOLUME_TRAILING_DAYS}
        where judged.load_date = (select last_date from bounds)
        group by
            judged.account_id, judged.source, judged.load_date, judged.rows_loaded
    )
    select
        account_id,
        source,
        load_date,
        rows_loaded,
        trailing_median_rows,
        history_days,
        history_days >= {VOLUME_MIN_HISTORY_DAYS}
            and trailing_median_rows > 0
            and (
                rows_loaded = 0
                or rows_loaded < trailing_median_rows * {VOLUME_MIN_SHARE_OF_MEDIAN}
            ) as is_volume_drop
    from with_history
    order by account_id, source
    """


def money_has_minor_units_sql(amount: str, currency: str) -> str:
    """A SQL boolean: ``amount`` carries no more decimals than its currency has.

    Two decimals unless ISO 4217 says otherwise (JPY 0, KWD 3); a null amount
    passes, and an unknown currency is the currency check's business.
    """
    by_units: dict[int, list[str]] = {}
    for code, units in sorted(currency_minor_units().items()):
        if units != 2:
            by_units.setdefault(units, []).append(code)
    branches = " ".join(
        f"when {currency} in ({', '.join(repr(code) for code in codes)}) "
        f"then {amount} = round({amount}, {units})"
        for units, codes in sorted(by_units.items())
    )
    return (
        f"case when {amount} is null then true {branches} "
        f"else {amount} = round({amount}, 2) end"
    )


def money_decimals_warning(flag_column: str):
    """Warn on money with more decimals than its currency's minor unit."""
    return warning(
        gxe.ExpectColumnValuesToBeInSet(column=flag_column, value_set=[True])
    )
