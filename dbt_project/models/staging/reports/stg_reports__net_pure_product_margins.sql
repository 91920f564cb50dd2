-- One row per account, report period, period dates and ASIN of Amazon's net
-- pure product margin report (netPureProductMarginByAsin), latest revision.

with

by_asin as (

    {{ report_rows(
        'GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT',
        'netPureProductMarginByAsin',
        'margin_row',
        ['reportPeriod'],
    ) }}

),

flattened as (

    select
        account_id,
        report_period,
        cast(margin_row ->> 'startDate' as date) as start_date,
        cast(margin_row ->> 'endDate' as date) as end_date,
        margin_row ->> 'asin' as asin,
        cast(margin_row ->> 'netPureProductMargin' as decimal(18, 4))
            as net_pure_product_margin,
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
        net_pure_product_margin,
        report_last_updated_date,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from ranked
    where version_rank = 1

)

select * from final
