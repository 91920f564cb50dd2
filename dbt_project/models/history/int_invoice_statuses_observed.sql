-- One row per account, vendor code and counted invoice number: Amazon's status of
-- the invoice and what is paid, deducted and still owed, stamped with the moment
-- this build judges the marts as of. The input of snapshot invoice_status_history;
-- rows only when that moment is later than every version already recorded.

with

invoices as (

    select * from {{ ref('fct_invoice_reconciliation') }}

),

clock as (

    select * from {{ ref('int_reconciliation_clock') }}

),

recorded as (

    {{ history_recorded_through('invoice_status_history') }}

),

final as (

    select
        invoices.account_id,
        invoices.vendor_code,
        invoices.invoice_number,
        invoices.currency_code,
        invoices.amazon_invoice_status,
        invoices.amazon_paid_amount,
        invoices.paid_amount,
        invoices.deducted_amount,
        invoices.remaining_amount,
        clock.as_of_at as observed_at
    from invoices
    cross join clock
    cross join recorded
    where
        recorded.recorded_through is null
        or clock.as_of_at > recorded.recorded_through

)

select * from final
