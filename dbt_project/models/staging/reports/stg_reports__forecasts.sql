-- One row per account, selling program, forecast generation, ASIN and forecast
-- week of Amazon's vendor forecasting report (forecastByAsin). The same
-- generation lands once per request; the latest extraction of it is kept.

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
        ->> 'reportType' = 'GET_VENDOR_FORECASTING_REPORT'

),

by_asin as (

    select
        documents.account_id,
        documents.specification
        -> 'reportOptions'
        ->> 'sellingProgram' as selling_program,
        cast(documents.specification ->> 'lastUpdatedDate' as date)
            as report_last_updated_date,
        forecast_row.value as forecast_row,
        documents.extracted_at,
        documents.load_id,
        documents.payload_sha256,
        documents.snapshot_file
    from documents
    cross join
        {{ json_array_elements("documents.payload -> 'forecastByAsin'") }}
            as forecast_row

),

flattened as (

    select
        account_id,
        selling_program,
        cast(forecast_row ->> 'forecastGenerationDate' as date)
            as forecast_generation_date,
        forecast_row ->> 'asin' as asin,
        cast(forecast_row ->> 'startDate' as date) as start_date,
        cast(forecast_row ->> 'endDate' as date) as end_date,
        cast(forecast_row ->> 'meanForecastUnits' as decimal(18, 4))
            as mean_forecast_units,
        cast(forecast_row ->> 'p70ForecastUnits' as decimal(18, 4))
            as p70_forecast_units,
        cast(forecast_row ->> 'p80ForecastUnits' as decimal(18, 4))
            as p80_forecast_units,
        cast(forecast_row ->> 'p90ForecastUnits' as decimal(18, 4))
            as p90_forecast_units,
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
        row_number() over (
            partition by
                account_id,
                selling_program,
                forecast_generation_date,
                asin,
                start_date,
                end_date
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
        selling_program,
        forecast_generation_date,
        asin,
        start_date,
        end_date,
        mean_forecast_units,
        p70_forecast_units,
        p80_forecast_units,
        p90_forecast_units,
        report_last_updated_date,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from ranked
    where version_rank = 1

)

select * from final
