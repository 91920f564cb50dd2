-- One row per account and UTC day: how well the vendor confirmed, filled,
-- shipped and matched Amazon's POs ordered that day, what share of the
-- invoices Amazon remitted that day it took back as deductions, and how long
-- the invoices last paid that day took to be paid. Rules and the day each
-- input counts on: docs/reconciliation-rules.md ("Vendor KPIs").

with

po_lines as (

    select * from {{ ref('int_po_lines_reconciled') }}

),

remittance_lines as (

    select * from {{ ref('fct_remittance_lines') }}

),

invoices as (

    select * from {{ ref('fct_invoice_reconciliation') }}

),

vendor_accounts as (

    select * from {{ ref('stg_accounts__vendor_accounts') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

clock as (

    select * from {{ ref('int_reconciliation_clock') }}

),

po_line_days as (

    -- Every PO-line KPI counts a line on its purchase_order_date.
    select
        po_lines.account_id,
        po_lines.purchase_order_date as kpi_date,
        po_lines.currency_code,
        count(*) as po_line_count,
        sum(
            case
                when po_lines.accepted_units is not null
                    then po_lines.ordered_units
                else 0
            end
        ) as acknowledged_ordered_units,
        -- expected_units: accepted, at most what is still ordered.
        sum(coalesce(po_lines.expected_units, 0)) as confirmed_units,
        sum(
            case
                when po_lines.expected_units > 0
                    then
                        least(
                            coalesce(po_lines.received_units, 0),
                            po_lines.expected_units
                        )
                else 0
            end
        ) as filled_units,
        -- A ship window is judged once the clock is past its end, as for
        -- the late_or_missing_asn exception.
        sum(
            case
                when
                    po_lines.expected_units > 0
                    and po_lines.ship_window_end_at < clock.as_of_at
                    then po_lines.expected_units
                else 0
            end
        ) as ship_due_units,
        sum(
            case
                when
                    po_lines.expected_units > 0
                    and po_lines.ship_window_end_at < clock.as_of_at
                    and po_lines.first_shipment_confirmed_at
                    <= po_lines.ship_window_end_at
                    then po_lines.expected_units
                else 0
            end
        ) as shipped_on_time_units,
        sum(
            case
                when
                    po_lines.purchase_order_state = 'Closed'
                    and po_lines.shipped_units > 0
                    then 1
                else 0
            end
        ) as closed_shipped_line_count,
        sum(
            case
                when
                    po_lines.purchase_order_state = 'Closed'
                    and po_lines.shipped_units > 0
                    and coalesce(po_lines.received_units, 0)
                    = po_lines.shipped_units
                    then 1
                else 0
            end
        ) as received_as_shipped_line_count,
        sum(po_lines.invoiced_amount) as invoiced_amount,
        sum(po_lines.shortage_amount) as shortage_amount
    from po_lines
    cross join clock
    where po_lines.purchase_order_date is not null
    group by
        po_lines.account_id,
        po_lines.purchase_order_date,
        po_lines.currency_code

),

remittance_days as (

    -- Remittance lines count on their payment_date.
    select
        account_id,
        payment_date as kpi_date,
        currency_code,
        sum(
            case
                when deduction_type = 'invoice_payment' then invoice_amount
                else 0
            end
        ) as remitted_invoice_amount,
        sum(case when is_deduction then deducted_amount else 0 end)
            as deducted_amount
    from remittance_lines
    where payment_date is not null
    group by
        account_id,
        payment_date,
        currency_code

),

money_days as (

    select
        account_id,
        kpi_date,
        currency_code,
        invoiced_amount,
        shortage_amount,
        cast(0 as decimal(18, 4)) as remitted_invoice_amount,
        cast(0 as decimal(18, 4)) as deducted_amount
    from po_line_days
    union all
    select
        account_id,
        kpi_date,
        currency_code,
        cast(0 as decimal(18, 4)) as invoiced_amount,
        cast(0 as decimal(18, 4)) as shortage_amount,
        remitted_invoice_amount,
        deducted_amount
    from remittance_days

),

with_reporting_currency as (

    select
        money_days.*,
        coalesce(vendor_accounts.reporting_currency_code, money_days.currency_code)
            as reporting_currency_code
    from money_days
    left join vendor_accounts
        on money_days.account_id = vendor_accounts.account_id

),

converted as (

    -- Each day's sums per currency, at the rate in force on that day; no
    -- rate, no converted amount (null, left out of the day's sums).
    select
        case
            when
                with_reporting_currency.currency_code
                = with_reporting_currency.reporting_currency_code
                then with_reporting_currency.invoiced_amount
            else
                {{ round_money(
                    'with_reporting_currency.invoiced_amount * fx_rates.rate',
                    'with_reporting_currency.reporting_currency_code'
                ) }}
        end as invoiced_amount_reporting,
        case
            when
                with_reporting_currency.currency_code
                = with_reporting_currency.reporting_currency_code
                then with_reporting_currency.shortage_amount
            else
                {{ round_money(
                    'with_reporting_currency.shortage_amount * fx_rates.rate',
                    'with_reporting_currency.reporting_currency_code'
                ) }}
        end as shortage_amount_reporting,
        case
            when
                with_reporting_currency.currency_code
                = with_reporting_currency.reporting_currency_code
                then with_reporting_currency.remitted_invoice_amount
            else
                {{ round_money(
                    'with_reporting_currency.remitted_invoice_amount * fx_rates.rate',
                    'with_reporting_currency.reporting_currency_code'
                ) }}
        end as remitted_invoice_amount_reporting,
        case
            when
                with_reporting_currency.currency_code
                = with_reporting_currency.reporting_currency_code
                then with_reporting_currency.deducted_amount
            else
                {{ round_money(
                    'with_reporting_currency.deducted_amount * fx_rates.rate',
                    'with_reporting_currency.reporting_currency_code'
                ) }}
        end as deducted_amount_reporting,
        with_reporting_currency.account_id,
        with_reporting_currency.kpi_date,
        with_reporting_currency.reporting_currency_code
    from with_reporting_currency
    left join fx_rates
        on
            with_reporting_currency.currency_code = fx_rates.from_currency_code
            and with_reporting_currency.reporting_currency_code
            = fx_rates.to_currency_code
            and with_reporting_currency.kpi_date >= fx_rates.valid_from_date
            and (
                with_reporting_currency.kpi_date < fx_rates.valid_to_date
                or fx_rates.valid_to_date is null
            )

),

money_totals as (

    select
        account_id,
        kpi_date,
        max(reporting_currency_code) as reporting_currency_code,
        cast(sum(invoiced_amount_reporting) as decimal(18, 4))
            as invoiced_amount_reporting,
        cast(sum(shortage_amount_reporting) as decimal(18, 4))
            as shortage_amount_reporting,
        cast(sum(remitted_invoice_amount_reporting) as decimal(18, 4))
            as remitted_invoice_amount_reporting,
        cast(sum(deducted_amount_reporting) as decimal(18, 4))
            as deducted_amount_reporting
    from converted
    group by
        account_id,
        kpi_date

),

unit_totals as (

    select
        account_id,
        kpi_date,
        cast(sum(po_line_count) as integer) as po_line_count,
        cast(sum(acknowledged_ordered_units) as integer)
            as acknowledged_ordered_units,
        cast(sum(confirmed_units) as integer) as confirmed_units,
        cast(sum(filled_units) as integer) as filled_units,
        cast(sum(ship_due_units) as integer) as ship_due_units,
        cast(sum(shipped_on_time_units) as integer) as shipped_on_time_units,
        cast(sum(closed_shipped_line_count) as integer)
            as closed_shipped_line_count,
        cast(sum(received_as_shipped_line_count) as integer)
            as received_as_shipped_line_count
    from po_line_days
    group by
        account_id,
        kpi_date

),

payment_days as (

    -- An invoice counts on the date of its latest payment so far.
    select
        account_id,
        last_payment_date as kpi_date,
        cast(count(*) as integer) as paid_invoice_count,
        cast(
            sum({{ dbt.datediff('invoice_date', 'last_payment_date', 'day') }})
            as integer
        ) as days_to_pay_total
    from invoices
    where
        invoice_type = 'Invoice'
        and last_payment_date is not null
    group by
        account_id,
        last_payment_date

),

account_days as (

    select
        account_id,
        kpi_date
    from money_totals
    union
    select
        account_id,
        kpi_date
    from payment_days

),

final as (

    select
        account_days.account_id,
        account_days.kpi_date,
        coalesce(unit_totals.po_line_count, 0) as po_line_count,
        coalesce(unit_totals.acknowledged_ordered_units, 0)
            as acknowledged_ordered_units,
        coalesce(unit_totals.confirmed_units, 0) as confirmed_units,
        cast({{ divide_rounded(
            'unit_totals.confirmed_units',
            'unit_totals.acknowledged_ordered_units',
            4
        ) }} as decimal(9, 4)) as confirmation_rate,
        coalesce(unit_totals.filled_units, 0) as filled_units,
        cast({{ divide_rounded(
            'unit_totals.filled_units', 'unit_totals.confirmed_units', 4
        ) }} as decimal(9, 4)) as fill_rate,
        coalesce(unit_totals.ship_due_units, 0) as ship_due_units,
        coalesce(unit_totals.shipped_on_time_units, 0) as shipped_on_time_units,
        cast({{ divide_rounded(
            'unit_totals.shipped_on_time_units', 'unit_totals.ship_due_units', 4
        ) }} as decimal(9, 4)) as on_time_ship_rate,
        coalesce(unit_totals.closed_shipped_line_count, 0)
            as closed_shipped_line_count,
        coalesce(unit_totals.received_as_shipped_line_count, 0)
            as received_as_shipped_line_count,
        cast({{ divide_rounded(
            'unit_totals.received_as_shipped_line_count',
            'unit_totals.closed_shipped_line_count',
            4
        ) }} as decimal(9, 4)) as receive_accuracy,
        money_totals.reporting_currency_code,
        money_totals.invoiced_amount_reporting,
        money_totals.shortage_amount_reporting,
        cast(
            case
                when money_totals.invoiced_amount_reporting > 0
                    then {{ divide_rounded(
                        'money_totals.shortage_amount_reporting',
                        'money_totals.invoiced_amount_reporting',
                        4
                    ) }}
            end
            as decimal(9, 4)
        ) as shortage_rate,
        money_totals.remitted_invoice_amount_reporting,
        money_totals.deducted_amount_reporting,
        cast(
            case
                when money_totals.remitted_invoice_amount_reporting > 0
                    then {{ divide_rounded(
                        'money_totals.deducted_amount_reporting',
                        'money_totals.remitted_invoice_amount_reporting',
                        4
                    ) }}
            end
            as decimal(9, 4)
        ) as deduction_rate,
        coalesce(payment_days.paid_invoice_count, 0) as paid_invoice_count,
        cast({{ divide_rounded(
            'payment_days.days_to_pay_total', 'payment_days.paid_invoice_count', 2
        ) }} as decimal(9, 2)) as days_to_pay
    from account_days
    left join unit_totals
        on
            account_days.account_id = unit_totals.account_id
            and account_days.kpi_date = unit_totals.kpi_date
    left join money_totals
        on
            account_days.account_id = money_totals.account_id
            and account_days.kpi_date = money_totals.kpi_date
    left join payment_days
        on
            account_days.account_id = payment_days.account_id
            and account_days.kpi_date = payment_days.kpi_date

)

select * from final
