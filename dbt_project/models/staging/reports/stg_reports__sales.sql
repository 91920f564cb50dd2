-- One row per account, report options, period and ASIN of Amazon's vendor sales
-- report (salesByAsin), from the latest revision of the period: later returns
-- restate a period in a document with a newer lastUpdatedDate.

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
        ->> 'reportType' = 'GET_VENDOR_SALES_REPORT'

),

by_asin as (

    select
        documents.account_id,
        documents.specification
        -> 'reportOptions'
        ->> 'reportPeriod' as report_period,
        documents.specification
        -> 'reportOptions'
        ->> 'distributorView' as distributor_view,
        documents.specification
        -> 'reportOptions'
        ->> 'sellingProgram' as selling_program,
        cast(documents.specification ->> 'lastUpdatedDate' as date)
            as report_last_updated_date,
        sales_row.value as sales_row,
        documents.extracted_at,
        documents.load_id,
        documents.payload_sha256,
        documents.snapshot_file
    from documents
    cross join
        {{ json_array_elements("documents.payload -> 'salesByAsin'") }}
            as sales_row

),

flattened as (

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
            partition by
                account_id,
                report_period,
                distributor_view,
                selling_program,
                start_date,
                end_date,
                asin
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
        distributor_view,
        selling_program,
        start_date,
        end_date,
        asin,
        currency_code,
        ordered_units,
        ordered_revenue_amount,
        shipped_units,
        shipped_revenue_amount,
        shipped_cogs_amount,
        customer_returns_units,
        report_last_updated_date,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from ranked
    where version_rank = 1

)

select * from final
