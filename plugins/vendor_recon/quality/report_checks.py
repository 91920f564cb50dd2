"""Queries for the vendor report suites: period alignment and freshness.

Both read raw.vendor_reports, one row per landed report document, and are
written for DuckDB and PostgreSQL alike (`timezone('UTC', ...)` gives the UTC
wall time on both; `extract(dow ...)` is 0 on Sunday on both).
"""

from __future__ import annotations

FORECAST = "GET_VENDOR_FORECASTING_REPORT"
# A day is published this long after it ends (docs/simulator.md).
PUBLISHING_DELAY = "interval '72 hours'"


def report_periods_query() -> str:
    """Per periodic report document: is its window whole periods of its kind?

    The window is the one asked for (the row's window_start and exclusive
    window_end; Amazon's reportSpecification states dates only). Amazon sums
    every day a misaligned window touches, so a DAY window must start and end
    at 00:00 UTC, and a WEEK one must also run from a Sunday through a
    Saturday. Documents without a reportPeriod (the forecast, real-time
    reports) are not periodic.
    """
    return """
    with documents as (
        select
            account_id,
            pull as report_type,
            document_key,
            payload -> 'reportSpecification' -> 'reportOptions' ->> 'reportPeriod'
                as report_period,
            timezone('UTC', window_start) as window_start_utc,
            timezone('UTC', window_end) as window_end_utc
        from raw.vendor_reports
    ),
    aligned as (
        select
            *,
            window_start_utc = date_trunc('day', window_start_utc)
                and window_end_utc = date_trunc('day', window_end_utc)
                as is_whole_days,
            cast(extract(dow from window_start_utc) as integer) as start_dow,
            cast(extract(dow from window_end_utc) as integer) as end_dow
        from documents
        where report_period is not null
    )
    select
        account_id,
        report_type,
        document_key,
        report_period,
        window_start_utc,
        window_end_utc,
        coalesce(
            is_whole_days
            -- The window's end is the Sunday after the week's Saturday.
            and (report_period != 'WEEK' or (start_dow = 0 and end_dow = 0)),
            false
        ) as is_period_aligned
    from aligned
    order by account_id, report_type, document_key
    """


def report_freshness_query() -> str:
    """Per account and report it reads: is the newest landed period recent?

    A daily report's newest day may be no older than the day before the one
    ending 72 hours before the check (the last day Amazon has published); the
    forecast's newest week must be that of the latest Sunday before it, which
    every run whose window holds that Sunday asks for. The check is as of
    the account's latest run (the end of its latest extraction window, never
    after the checking clock): the checks run on the wall clock, and a rerun
    of an old day must not find its reports stale. The reports expected
    are the account's configured ones (raw.vendor_account_reports) and any
    that landed; one configured but never landed counts as stale.
    """
    return f"""
    with landed as (
        select
            account_id,
            pull as report_type,
            max(cast(timezone('UTC', window_start) as date)) as newest_start_date,
            max(
                cast(timezone('UTC', window_end - interval '1 microsecond') as date)
            ) as newest_date
        from raw.vendor_reports
        where pull = '{FORECAST}'
            or payload -> 'reportSpecification' -> 'reportOptions'
                ->> 'reportPeriod' = 'DAY'
        group by account_id, pull
    ),
    expected as (
        select account_id, report_type
        from raw.vendor_account_reports
        where report_period = 'DAY' or report_type = '{FORECAST}'
        union
        select account_id, report_type from landed
    ),
    latest_runs as (
        select account_id, max(window_end) as run_end
        from raw.extraction_checkpoints
        group by account_id
    ),
    clock as (
        select
            accounts.account_id,
            least(coalesce(latest_runs.run_end, $as_of), $as_of) as end_at
        from (select distinct account_id from expected) as accounts
        left join latest_runs on accounts.account_id = latest_runs.account_id
    ),
    bounds as (
        select
            account_id,
            cast(timezone('UTC', end_at - {PUBLISHING_DELAY}) as date) - 1
                as oldest_fresh_day,
            cast(timezone('UTC', end_at - interval '1 microsecond') as date)
                as last_run_date
        from clock
    )
    select
        expected.account_id,
        expected.report_type,
        landed.newest_date,
        case
            when expected.report_type = '{FORECAST}'
                then clock.last_run_date
                    - cast(extract(dow from clock.last_run_date) as integer)
            else clock.oldest_fresh_day
        end as oldest_fresh_date,
        case
            when expected.report_type = '{FORECAST}'
                then landed.newest_start_date
            else landed.newest_date
        end as newest_period_date
    from expected
    inner join bounds as clock on expected.account_id = clock.account_id
    left join landed
        on expected.account_id = landed.account_id
        and expected.report_type = landed.report_type
    """


def report_freshness_select() -> str:
    """The freshness query with its verdict, ready for a suite."""
    return f"""
    select
        *,
        coalesce(newest_period_date >= oldest_fresh_date, false) as is_fresh
    from ({report_freshness_query()}) as freshness
    order by account_id, report_type
    """
