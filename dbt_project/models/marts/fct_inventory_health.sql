-- One row per account, ASIN and day of Amazon's daily inventory report: stock
-- at the day's end, the open PO units of the PO lines, the forecast demand,
-- weeks of cover and a stock-out risk flag. Rules: docs/reconciliation-rules.md
-- ("Inventory health").
{%- set forecast_weeks = var('inventory_forecast_weeks', 4) %}
{%- set risk_weeks = var('stock_out_risk_weeks_of_cover', 2) %}

with

inventory_reports as (

    select * from {{ ref('stg_reports__inventory') }}

),

forecasts as (

    select * from {{ ref('stg_reports__forecasts') }}

),

po_lines as (

    select * from {{ ref('fct_po_line_reconciliation') }}

),

vendor_accounts as (

    select * from {{ ref('stg_accounts__vendor_accounts') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

inventory as (

    -- One view of the stock: daily, retail, the manufacturer's view by default.
    select
        account_id,
        asin,
        start_date as snapshot_date,
        currency_code,
        sellable_on_hand_units,
        sellable_on_hand_cost,
        unsellable_on_hand_units,
        open_purchase_order_units as reported_open_po_units,
        report_last_updated_date
    from inventory_reports
    where
        report_period = 'DAY'
        and selling_program = 'RETAIL'
        and distributor_view
        = '{{ var("inventory_distributor_view", "MANUFACTURING") }}'

),

latest_snapshots as (

    select
        account_id,
        max(snapshot_date) as latest_snapshot_date
    from inventory
    group by account_id

),

open_po_units as (

    -- Accepted (at most what is still ordered) and not yet received, on POs
    -- not Closed; lines not acknowledged yet have nothing accepted.
    select
        account_id,
        asin,
        cast(
            sum(
                greatest(
                    least(accepted_units, ordered_units)
                    - coalesce(received_units, 0),
                    0
                )
            ) as integer
        ) as open_po_units
    from po_lines
    where
        purchase_order_state <> 'Closed'
        and accepted_units is not null
    group by
        account_id,
        asin

),

generations as (

    select distinct
        account_id,
        asin,
        forecast_generation_date
    from forecasts
    where selling_program = 'RETAIL'

),

chosen_generations as (

    -- The latest forecast generated on or before the day; before the first
    -- one landed, the earliest one (it is the nearest known).
    select
        inventory.account_id,
        inventory.asin,
        inventory.snapshot_date,
        generations.forecast_generation_date,
        row_number() over (
            partition by
                inventory.account_id,
                inventory.asin,
                inventory.snapshot_date
            order by
                case
                    when
                        generations.forecast_generation_date
                        <= inventory.snapshot_date
                        then 0
                    else 1
                end,
                case
                    when
                        generations.forecast_generation_date
                        <= inventory.snapshot_date
                        then generations.forecast_generation_date
                end desc,
                generations.forecast_generation_date asc
        ) as generation_rank
    from inventory
    inner join generations
        on
            inventory.account_id = generations.account_id
            and inventory.asin = generations.asin

),

forecast_weeks as (

    -- The first weeks of that forecast that start after the day.
    select
        chosen_generations.account_id,
        chosen_generations.asin,
        chosen_generations.snapshot_date,
        chosen_generations.forecast_generation_date,
        forecasts.mean_forecast_units,
        row_number() over (
            partition by
                chosen_generations.account_id,
                chosen_generations.asin,
                chosen_generations.snapshot_date
            order by forecasts.start_date
        ) as week_number
    from chosen_generations
    inner join forecasts
        on
            chosen_generations.account_id = forecasts.account_id
            and chosen_generations.asin = forecasts.asin
            and chosen_generations.forecast_generation_date
            = forecasts.forecast_generation_date
            and forecasts.selling_program = 'RETAIL'
            and chosen_generations.snapshot_date < forecasts.start_date
    where chosen_generations.generation_rank = 1

),

forecast_totals as (

    select
        account_id,
        asin,
        snapshot_date,
        forecast_generation_date,
        cast(count(*) as integer) as forecast_week_count,
        cast(sum(mean_forecast_units) as decimal(18, 4)) as forecast_units
    from forecast_weeks
    where week_number <= {{ forecast_weeks }}
    group by
        account_id,
        asin,
        snapshot_date,
        forecast_generation_date

),

joined as (

    select
        inventory.*,
        coalesce(vendor_accounts.reporting_currency_code, inventory.currency_code)
            as reporting_currency_code,
        inventory.snapshot_date = latest_snapshots.latest_snapshot_date
            as is_latest_snapshot,
        forecast_totals.forecast_generation_date,
        forecast_totals.forecast_week_count,
        forecast_totals.forecast_units,
        open_po_units.open_po_units,
        fx_rates.rate
    from inventory
    inner join latest_snapshots
        on inventory.account_id = latest_snapshots.account_id
    left join vendor_accounts
        on inventory.account_id = vendor_accounts.account_id
    left join forecast_totals
        on
            inventory.account_id = forecast_totals.account_id
            and inventory.asin = forecast_totals.asin
            and inventory.snapshot_date = forecast_totals.snapshot_date
    left join open_po_units
        on
            inventory.account_id = open_po_units.account_id
            and inventory.asin = open_po_units.asin
    left join fx_rates
        on
            inventory.currency_code = fx_rates.from_currency_code
            and coalesce(
                vendor_accounts.reporting_currency_code, inventory.currency_code
            )
            = fx_rates.to_currency_code
            and inventory.snapshot_date >= fx_rates.valid_from_date
            and (
                inventory.snapshot_date < fx_rates.valid_to_date
                or fx_rates.valid_to_date is null
            )

),

final as (

    select
        account_id,
        asin,
        snapshot_date,
        is_latest_snapshot,
        sellable_on_hand_units,
        unsellable_on_hand_units,
        currency_code,
        sellable_on_hand_cost,
        reporting_currency_code,
        case
            when currency_code = reporting_currency_code
                then sellable_on_hand_cost
            else
                {{ round_money(
                    'sellable_on_hand_cost * rate', 'reporting_currency_code'
                ) }}
        end as sellable_on_hand_cost_reporting,
        reported_open_po_units,
        -- PO lines hold only their state at the clock, so only the latest
        -- day gets them (the clock is at least Amazon's 72 h past that day).
        case
            when is_latest_snapshot then coalesce(open_po_units, 0)
        end as open_po_units,
        forecast_generation_date,
        forecast_week_count,
        {{ divide_rounded('forecast_units', 'forecast_week_count', 4) }}
            as average_weekly_forecast_units,
        -- Backordered stock (negative on hand) covers nothing.
        cast({{ divide_rounded(
            'greatest(sellable_on_hand_units, 0) * forecast_week_count',
            'forecast_units',
            2
        ) }} as decimal(9, 2)) as weeks_of_cover,
        -- Compared unrounded: on hand < threshold weeks of average demand.
        case
            when forecast_units is null then null
            when forecast_units = 0 then false
            else
                greatest(sellable_on_hand_units, 0) * forecast_week_count
                < {{ risk_weeks }} * forecast_units
        end as is_stock_out_risk,
        report_last_updated_date
    from joined

)

select * from final
