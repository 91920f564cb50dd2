-- One row per account, selling program, forecast generation, ASIN and forecast
-- week of Amazon's vendor forecasting report (forecastByAsin). The same
-- generation lands once per request; the latest extraction of it is kept.

with

latest_rows as (

    {{ latest_report_rows(
        'GET_VENDOR_FORECASTING_REPORT',
        'forecastByAsin',
        'forecast_row',
        ['sellingProgram'],
        {
            'forecastGenerationDate': 'date',
            'asin': 'varchar',
            'startDate': 'date',
            'endDate': 'date',
        },
    ) }}

),

final as (

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
        {{ report_lineage_columns() }}
    from latest_rows

)

select * from final
