-- One row per account, currency and payment due date: the cash Amazon still owes
-- on counted invoices (their remaining amount), for a forecast by day or by week,
-- in the invoice currency and in the account's reporting currency.

with

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

open_invoices as (

    select
        invoices.account_id,
        invoices.currency_code,
        invoices.payment_due_date,
        invoices.remaining_amount,
        invoices.is_overdue,
        coalesce(vendor_accounts.reporting_currency_code, invoices.currency_code)
            as reporting_currency_code
    from invoices
    left join vendor_accounts
        on invoices.account_id = vendor_accounts.account_id
    where
        invoices.invoice_type = 'Invoice'
        and invoices.remaining_amount > 0
        and coalesce(invoices.amazon_invoice_status, '') not in ('PAID', 'REJECTED')

),

converted as (

    select
        open_invoices.*,
        case
            when open_invoices.reporting_currency_code = open_invoices.currency_code
                then open_invoices.remaining_amount
            else
                {{ round_money(
                    'open_invoices.remaining_amount * fx_rates.rate',
                    'open_invoices.reporting_currency_code'
                ) }}
        end as remaining_amount_reporting
    from open_invoices
    cross join clock
    -- Future dues are converted at the rate in force today.
    left join fx_rates
        on
            open_invoices.currency_code = fx_rates.from_currency_code
            and open_invoices.reporting_currency_code = fx_rates.to_currency_code
            and clock.as_of_date >= fx_rates.valid_from_date
            and (
                clock.as_of_date < fx_rates.valid_to_date
                or fx_rates.valid_to_date is null
            )

),

final as (

    select
        account_id,
        currency_code,
        payment_due_date,
        cast({{ dbt.date_trunc('week', 'payment_due_date') }} as date)
            as payment_due_week_start_date,
        reporting_currency_code,
        cast(count(*) as integer) as invoice_count,
        cast(sum(case when is_overdue then 1 else 0 end) as integer)
            as overdue_invoice_count,
        cast(sum(remaining_amount) as decimal(18, 4)) as expected_amount,
        cast(sum(remaining_amount_reporting) as decimal(18, 4))
            as expected_amount_reporting
    from converted
    group by
        account_id,
        currency_code,
        payment_due_date,
        reporting_currency_code

)

select * from final
