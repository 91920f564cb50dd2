-- One row per account, report options, period and ASIN of Amazon's vendor sales
-- report (salesByAsin), from the latest revision of the period: later returns
-- restate a period in a document with a newer lastUpdatedDate.

with

latest_rows as (

    {{ latest_report_rows(
        'GET_VENDOR_SALES_REPORT',
        'salesByAsin',
        'sales_row',
        ['reportPeriod', 'distributorView', 'sellingProgram'],
        {'startDate': 'date', 'endDate': 'date', 'asin': 'varchar'},
    ) }}

),

final as (

    select
        account_id,
        report_period,
        distributor_view,
        selling_program,
        cast(sales_row ->> 'startDate' as date) as start_date,
        cast(sales_row ->> 'endDate' as date) as end_date,
        sales_row ->> 'asin' as asin,
        sales_row -> 'shippedRevenue' ->> 'currencyCode' as currency_code,
        -- Ordered units and revenue come only with the MANUFACTURING view.
        cast(sales_row ->> 'orderedUnits' as integer) as ordered_units,
        cast(sales_row -> 'orderedRevenue' ->> 'amount' as decimal(18, 4))
            as ordered_revenue_amount,
        cast(sales_row ->> 'shippedUnits' as integer) as shipped_units,
        cast(sales_row -> 'shippedRevenue' ->> 'amount' as decimal(18, 4))
            as shipped_revenue_amount,
        cast(sales_row -> 'shippedCogs' ->> 'amount' as decimal(18, 4))
            as shipped_cogs_amount,
        cast(sales_row ->> 'customerReturns' as integer) as customer_returns_units,
        {{ report_lineage_columns() }}
    from latest_rows

)

select * from final
