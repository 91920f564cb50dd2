-- One row per account, report period, period dates and ASIN of Amazon's net
-- pure product margin report (netPureProductMarginByAsin), latest revision.

with

latest_rows as (

    {{ latest_report_rows(
        'GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT',
        'netPureProductMarginByAsin',
        'margin_row',
        ['reportPeriod'],
        {'startDate': 'date', 'endDate': 'date', 'asin': 'varchar'},
    ) }}

),

final as (

    select
        account_id,
        report_period,
        cast(margin_row ->> 'startDate' as date) as start_date,
        cast(margin_row ->> 'endDate' as date) as end_date,
        margin_row ->> 'asin' as asin,
        cast(margin_row ->> 'netPureProductMargin' as decimal(18, 4))
            as net_pure_product_margin,
        {{ report_lineage_columns() }}
    from latest_rows

)

select * from final
