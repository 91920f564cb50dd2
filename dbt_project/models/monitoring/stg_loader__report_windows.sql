-- One row per account, report type and window of a landed vendor report
-- document: which report days (or forecast weeks) reached the warehouse.
-- Quarantined reports (FATAL, or not the promised shape) are not here.

with

reports as (

    select * from {{ source('reports', 'vendor_reports') }}

),

final as (

    select distinct
        account_id,
        pull as report_type,
        window_start as window_start_at,
        window_end as window_end_at,
        cast(window_start at time zone 'UTC' as date) as first_date,
        -- The window's end is exclusive: the midnight after its last day.
        cast(
            (window_end - interval '1 microsecond') at time zone 'UTC' as date
        ) as last_date
    from reports
    where window_end > window_start

)

select * from final
