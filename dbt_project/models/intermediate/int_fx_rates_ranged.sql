-- One row per currency pair and rate date: the rate with the dates it is valid
-- for, from its rate_date up to (not including) the pair's next rate_date.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

final as (

    select
        from_currency_code,
        to_currency_code,
        rate_date as valid_from_date,
        lead(rate_date) over (
            partition by from_currency_code, to_currency_code
            order by rate_date
        ) as valid_to_date,
        rate
    from fx_rates

)

select * from final
