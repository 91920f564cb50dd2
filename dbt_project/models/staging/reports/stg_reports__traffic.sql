-- One row per account, report period, period dates and ASIN of Amazon's vendor
-- traffic report (trafficByAsin), from the latest revision of the period: each
-- restatement filters out more robot traffic.

with

by_asin as (

    {{ report_rows(
        'GET_VENDOR_TRAFFIC_REPORT',
        'trafficByAsin',
        'traffic_row',
        ['reportPeriod'],
    ) }}

),

flattened as (

    select
        account_id,
        report_period,
        cast(traffic_row ->> 'startDate' as date) as start_date,
        cast(traffic_row ->> 'endDate' as date) as end_date,
        traffic_row ->> 'asin' as asin,
        cast(traffic_row ->> 'glanceViews' as integer) as glance_views,
        report_last_updated_date,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from by_asin

),

ranked as (

    select
        *,
        {{ report_revision_rank([
            'account_id',
            'report_period',
            'start_date',
            'end_date',
            'asin',
        ]) }} as version_rank
    from flattened

),

final as (

    select
        account_id,
        report_period,
        start_date,
        end_date,
        asin,
        glance_views,
        report_last_updated_date,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from ranked
    where version_rank = 1

)

select * from final
