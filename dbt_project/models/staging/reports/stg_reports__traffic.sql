-- One row per account, report period, period dates and ASIN of Amazon's vendor
-- traffic report (trafficByAsin), from the latest revision of the period: each
-- restatement filters out more robot traffic.

with

source as (

    select * from {{ source('reports', 'vendor_reports') }}

),

documents as (

    select
        account_id,
        payload -> 'reportSpecification' as specification,
        payload,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from source
    where
        payload
        -> 'reportSpecification'
        ->> 'reportType' = 'GET_VENDOR_TRAFFIC_REPORT'

),

by_asin as (

    select
        documents.account_id,
        documents.specification
        -> 'reportOptions'
        ->> 'reportPeriod' as report_period,
        cast(documents.specification ->> 'lastUpdatedDate' as date)
            as report_last_updated_date,
        traffic_row.value as traffic_row,
        documents.extracted_at,
        documents.load_id,
        documents.payload_sha256,
        documents.snapshot_file
    from documents
    cross join
        {{ json_array_elements("documents.payload -> 'trafficByAsin'") }}
            as traffic_row

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
        -- Amazon's latest revision wins; of equal ones, the latest extraction.
        row_number() over (
            partition by account_id, report_period, start_date, end_date, asin
            order by
                report_last_updated_date desc,
                extracted_at desc,
                payload_sha256 desc
        ) as version_rank
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
