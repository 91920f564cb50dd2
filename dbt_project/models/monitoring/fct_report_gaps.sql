-- One row per account, report type it reads and report period the runs asked
-- Amazon for and Amazon had published: each day of a daily report (DAY), each
-- Sunday's forecast (WEEK). is_missing flags a period no landed document
-- covers. Periods run from the account's first landed report period (what its
-- runs asked for first) to the last one published by the latest run's as-of;
-- the last one is expected even when nothing ever landed.
{%- set publishing_delay = "interval '72 hours'" %}
{%- set as_of_at = (
    "cast('" ~ var('as_of') ~ "' as timestamp with time zone)"
    if var('as_of', none) else 'current_timestamp'
) %}

with recursive

-- 0, 1, 2, ...: day offsets, portable where generate_series is not.
day_numbers as (

    select 0 as day_number
    union all
    select day_numbers.day_number + 1 as day_number
    from day_numbers
    where day_numbers.day_number < {{ var('monitoring_max_days', 3660) }}

),

account_reports as (

    select * from {{ ref('stg_accounts__vendor_account_reports') }}

),

extraction_windows as (

    select * from {{ ref('stg_loader__extraction_windows') }}

),

report_windows as (

    select * from {{ ref('stg_loader__report_windows') }}

),

-- The daily reports come by the day; the forecast once a week, for Sunday.
-- Real-time reports and other periods are not expected here.
expected_reports as (

    select
        account_id,
        report_type,
        report_period,
        case report_period when 'DAY' then 1 else 7 end as step_days
    from account_reports
    where
        report_period = 'DAY'
        or report_type = 'GET_VENDOR_FORECASTING_REPORT'

),

-- The latest run's as-of: the end of the account's latest extraction window,
-- never later than the build's clock.
requested_until as (

    select
        account_id,
        least(max(window_end_at), {{ as_of_at }}) as requested_until_at,
        cast(
            (least(max(window_end_at), {{ as_of_at }}) - interval '1 microsecond')
            at time zone 'UTC' as date
        ) as last_run_date
    from extraction_windows
    group by account_id

),

-- A day is published 72 hours after it ends; a run asks for the forecast of
-- the latest Sunday before its end (dow 0 is Sunday).
last_periods as (

    select
        expected_reports.*,
        case expected_reports.report_period
            when 'DAY'
                then
                    cast(
                        (requested_until.requested_until_at - {{ publishing_delay }})
                        at time zone 'UTC' as date
                    )
                    - 1
            else
                requested_until.last_run_date
                - cast(extract(dow from requested_until.last_run_date) as integer)
        end as last_period_date
    from expected_reports
    inner join requested_until
        on expected_reports.account_id = requested_until.account_id

),

-- The first period the account's runs asked for, as its documents show:
-- the daily reports share theirs (a daily report never landed is missing
-- from the account's first day), the forecast has its own.
first_landed as (

    select
        report_windows.account_id,
        expected_reports.report_period,
        min(report_windows.first_date) as first_period_date
    from report_windows
    inner join expected_reports
        on
            report_windows.account_id = expected_reports.account_id
            and report_windows.report_type = expected_reports.report_type
    group by
        report_windows.account_id,
        expected_reports.report_period

),

bounds as (

    select
        last_periods.*,
        least(
            coalesce(
                first_landed.first_period_date, last_periods.last_period_date
            ),
            last_periods.last_period_date
        ) as first_period_date
    from last_periods
    left join first_landed
        on
            last_periods.account_id = first_landed.account_id
            and last_periods.report_period = first_landed.report_period

),

expected as (

    select
        bounds.account_id,
        bounds.report_type,
        bounds.report_period,
        bounds.step_days,
        bounds.first_period_date + day_numbers.day_number as period_start_date
    from bounds
    inner join day_numbers
        on
            day_numbers.day_number
            <= {{ dbt.datediff(
                'bounds.first_period_date', 'bounds.last_period_date', 'day'
            ) }}
            and mod(day_numbers.day_number, bounds.step_days) = 0

),

-- Every day a landed document's window holds.
covered as (

    select distinct
        report_windows.account_id,
        report_windows.report_type,
        report_windows.first_date + day_numbers.day_number as covered_date
    from report_windows
    inner join day_numbers
        on
            day_numbers.day_number
            <= {{ dbt.datediff(
                'report_windows.first_date', 'report_windows.last_date', 'day'
            ) }}

),

flagged as (

    select
        expected.*,
        covered.covered_date is null as is_missing
    from expected
    left join covered
        on
            expected.account_id = covered.account_id
            and expected.report_type = covered.report_type
            and expected.period_start_date = covered.covered_date

),

-- Gaps and islands: missing periods in one run share start minus position.
missing_runs as (

    select
        account_id,
        report_type,
        period_start_date,
        period_start_date - cast(
            step_days * row_number() over (
                partition by account_id, report_type
                order by period_start_date
            ) as integer
        ) as run_key
    from flagged
    where is_missing

),

runs as (

    select
        account_id,
        report_type,
        period_start_date,
        min(period_start_date) over run_window as gap_run_start_date,
        max(period_start_date) over run_window as gap_run_end_date,
        count(*) over run_window as gap_run_periods
    from missing_runs
    window run_window as (partition by account_id, report_type, run_key)

),

final as (

    select
        md5(
            flagged.account_id
            || '|'
            || flagged.report_type
            || '|'
            || cast(flagged.period_start_date as varchar)
        ) as report_gap_id,
        flagged.account_id,
        'vendor_reports' as source_name,
        flagged.report_type,
        flagged.report_period,
        flagged.period_start_date,
        flagged.period_start_date + (flagged.step_days - 1) as period_end_date,
        case flagged.report_period
            when 'DAY'
                then
                    (
                        cast(flagged.period_start_date + 1 as timestamp)
                        at time zone 'UTC'
                    )
                    + {{ publishing_delay }}
            else cast(flagged.period_start_date as timestamp) at time zone 'UTC'
        end as published_at,
        flagged.is_missing,
        runs.gap_run_start_date,
        runs.gap_run_end_date,
        runs.gap_run_periods
    from flagged
    left join runs
        on
            flagged.account_id = runs.account_id
            and flagged.report_type = runs.report_type
            and flagged.period_start_date = runs.period_start_date

)

select * from final
