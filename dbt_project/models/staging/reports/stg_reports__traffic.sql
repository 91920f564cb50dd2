-- One row per account, report period, period dates and ASIN of Amazon's vendor
-- traffic report (trafficByAsin), from the latest revision of the period: each
-- restatement filters out more robot traffic.

with

latest_rows as (

    {{ latest_report_rows(
        'GET_VENDOR_TRAFFIC_REPORT',
        'trafficByAsin',
        'traffic_row',
        ['reportPeriod'],
        {'startDate': 'date', 'endDate': 'date', 'asin': 'varchar'},
    ) }}

),

final as (

    select
        account_id,
        report_period,
        cast(traffic_row ->> 'startDate' as date) as start_date,
        cast(traffic_row ->> 'endDate' as date) as end_date,
        traffic_row ->> 'asin' as asin,
        cast(traffic_row ->> 'glanceViews' as integer) as glance_views,
        {{ report_lineage_columns() }}
    from latest_rows

)

select * from final
