-- One row per account, selling program, forecast generation, ASIN and forecast
-- week of Amazon's vendor forecasting report (forecastByAsin). The same
-- generation lands once per request; the latest extraction of it is kept.

with

by_asin as (

    {{ report_rows(
        'GET_VENDOR_FORECASTING_REPORT',
        'forecastByAsin',
        'forecast_row',
        ['sellingProgram'],
    ) }}

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
        {{ report_revision_rank([
            'account_id',
            'selling_program',
            'forecast_generation_date',
            'asin',
            'start_date',
            'end_date',
        ]) }} as version_rank
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
