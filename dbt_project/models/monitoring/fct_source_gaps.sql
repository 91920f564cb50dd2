-- One row per account, source and UTC day that no extraction window covers,
-- between the first and the last day any extraction covered: a day or an
-- account the daily job missed. Consecutive missing days form one gap run.
{%- set monitored_sources = var(
    'monitored_sources', ['purchase_orders', 'purchase_order_statuses']
) %}
{%- set source_rows -%}
    {%- for source_name in monitored_sources %}
        ('{{ source_name }}'){{ "," if not loop.last }}
    {%- endfor %}
{%- endset %}

with recursive

-- 0, 1, 2, ...: day offsets, portable where generate_series is not.
day_numbers as (

    select 0 as day_number
    union all
    select day_numbers.day_number + 1 as day_number
    from day_numbers
    where day_numbers.day_number < {{ var('monitoring_max_days', 3660) }}

),

windows as (

    select * from {{ ref('stg_loader__extraction_windows') }}

),

vendor_accounts as (

    select * from {{ ref('stg_accounts__vendor_accounts') }}

),

monitored_sources as (

    select source_rows.source_name
    from
        (values {{ source_rows }}
        ) as source_rows (source_name)

),

window_dates as (

    select
        account_id,
        source as source_name,
        has_checkpoint,
        cast(window_start_at at time zone 'UTC' as date) as first_date,
        cast(
            (window_end_at - interval '1 microsecond') at time zone 'UTC' as date
        ) as last_date
    from windows

),

-- A window covers every UTC day it overlaps; its end is exclusive.
covered_days as (

    select distinct
        window_dates.account_id,
        window_dates.source_name,
        window_dates.has_checkpoint,
        window_dates.first_date + day_numbers.day_number as covered_date
    from window_dates
    inner join day_numbers
        on
            day_numbers.day_number
            <= {{ dbt.datediff(
                'window_dates.first_date', 'window_dates.last_date', 'day'
            ) }}

),

day_coverage as (

    select
        account_id,
        source_name,
        covered_date,
        bool_or(has_checkpoint) as has_checkpoint
    from covered_days
    group by
        account_id,
        source_name,
        covered_date

),

bounds as (

    select
        min(covered_date) as first_date,
        max(covered_date) as last_date
    from day_coverage

),

calendar as (

    select bounds.first_date + day_numbers.day_number as gap_date
    from bounds
    inner join day_numbers
        on
            day_numbers.day_number
            <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}

),

expected as (

    select
        vendor_accounts.account_id,
        monitored_sources.source_name,
        calendar.gap_date
    from vendor_accounts
    cross join monitored_sources
    cross join calendar

),

source_coverage as (

    select
        account_id,
        source_name,
        count(*) as covered_days,
        bool_or(has_checkpoint) as has_checkpoints
    from day_coverage
    group by
        account_id,
        source_name

),

missing as (

    select
        expected.account_id,
        expected.source_name,
        expected.gap_date,
        coalesce(source_coverage.covered_days, 0) = 0 as is_source_never_covered,
        coalesce(source_coverage.has_checkpoints, false) as has_checkpoints
    from expected
    left join day_coverage
        on
            expected.account_id = day_coverage.account_id
            and expected.source_name = day_coverage.source_name
            and expected.gap_date = day_coverage.covered_date
    left join source_coverage
        on
            expected.account_id = source_coverage.account_id
            and expected.source_name = source_coverage.source_name
    where day_coverage.covered_date is null

),

-- Gaps and islands: days in one run share date minus their position.
runs as (

    select
        *,
        gap_date - cast(
            row_number() over (
                partition by account_id, source_name
                order by gap_date
            ) as integer
        ) as run_key
    from missing

),

final as (

    select
        md5(
            account_id || '|' || source_name || '|' || cast(gap_date as varchar)
        )
            as gap_id,
        account_id,
        source_name,
        gap_date,
        cast(gap_date as timestamp) at time zone 'UTC' as gap_start_at,
        cast(gap_date + 1 as timestamp) at time zone 'UTC' as gap_end_at,
        min(gap_date) over run_window as gap_run_start_date,
        max(gap_date) over run_window as gap_run_end_date,
        count(*) over run_window as gap_run_days,
        is_source_never_covered,
        case
            when has_checkpoints then 'extraction_checkpoints'
            else 'landed_rows'
        end as coverage_evidence
    from runs
    window run_window as (partition by account_id, source_name, run_key)

)

select * from final
