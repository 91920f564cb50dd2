-- One row per account, vendor code and counted invoice number: the vendor's
-- invoice beside Amazon's view of it and the remittances that paid or deducted
-- from it, with its due date and what is still owed.

with

invoices as (

    select * from {{ ref('int_invoices_counted') }}

),

finance_invoices as (

    select * from {{ ref('stg_finance__invoices') }}

),

finance_items as (

    select * from {{ ref('stg_finance__invoice_items') }}

),

remittance_lines as (

    select * from {{ ref('fct_remittance_lines') }}

),

clock as (

    select * from {{ ref('int_reconciliation_clock') }}

),

counted_invoices as (

    select * from invoices
    where is_counted

),

finance_paid as (

    select
        account_id,
        invoice_identifier,
        sum(paid_amount) as paid_amount
    from finance_items
    group by
        account_id,
        invoice_identifier

),

remittances as (

    select
        account_id,
        invoice_vendor_code as vendor_code,
        original_invoice_number as invoice_number,
        sum(case when not is_deduction then amount_paid end) as paid_amount,
        sum(case when not is_deduction then discount_taken end)
            as discount_taken_amount,
        sum(deducted_amount) as deducted_amount,
        max(case when not is_deduction then payment_date end)
            as last_payment_date,
        string_agg(distinct payment_number, ', ' order by payment_number)
            as payment_numbers
    from remittance_lines
    where invoice_vendor_code is not null
    group by
        account_id,
        invoice_vendor_code,
        original_invoice_number

),

joined as (

    select
        counted_invoices.account_id,
        counted_invoices.vendor_code,
        counted_invoices.invoice_number,
        counted_invoices.region,
        counted_invoices.invoice_type,
        counted_invoices.invoice_date,
        counted_invoices.currency_code,
        counted_invoices.invoice_total_amount,
        counted_invoices.items_net_amount,
        counted_invoices.tax_amount,
        counted_invoices.charge_amount,
        counted_invoices.allowance_amount,
        counted_invoices.payment_terms_type,
        counted_invoices.payment_terms_net_due_days,
        case when counted_invoices.invoice_type = 'CreditNote' then -1 else 1 end
            as amount_sign,
        coalesce(
            finance_invoices.due_date,
            cast(
                {{ dbt.dateadd(
                    'day',
                    'coalesce(counted_invoices.payment_terms_net_due_days, '
                    ~ var('default_net_due_days', 60) ~ ')',
                    'counted_invoices.invoice_date'
                ) }} as date
            )
        ) as payment_due_date,
        finance_invoices.invoice_identifier as amazon_invoice_identifier,
        finance_invoices.invoice_status as amazon_invoice_status,
        finance_invoices.invoice_amount as amazon_invoice_amount,
        coalesce(finance_invoices.settled_paid_amount, finance_paid.paid_amount)
            as amazon_paid_amount,
        finance_invoices.payment_numbers as amazon_payment_numbers,
        finance_invoices.last_updated_at as amazon_last_updated_at,
        finance_invoices.payload_sha256 as amazon_payload_sha256,
        finance_invoices.snapshot_file as amazon_snapshot_file,
        remittances.paid_amount,
        remittances.discount_taken_amount,
        remittances.deducted_amount,
        remittances.last_payment_date,
        remittances.payment_numbers,
        counted_invoices.payload_sha256,
        counted_invoices.source_file,
        counted_invoices.snapshot_file,
        clock.as_of_date
    from counted_invoices
    cross join clock
    left join finance_invoices
        on
            counted_invoices.account_id = finance_invoices.account_id
            and counted_invoices.invoice_number = finance_invoices.invoice_number
            and counted_invoices.vendor_code = finance_invoices.vendor_code
    left join finance_paid
        on
            finance_invoices.account_id = finance_paid.account_id
            and finance_invoices.invoice_identifier
            = finance_paid.invoice_identifier
    left join remittances
        on
            counted_invoices.account_id = remittances.account_id
            and counted_invoices.vendor_code = remittances.vendor_code
            and counted_invoices.invoice_number = remittances.invoice_number

),

owed as (

    select
        *,
        {{ round_money(
            'amount_sign * invoice_total_amount - coalesce(paid_amount, 0)'
            ~ ' - coalesce(discount_taken_amount, 0)',
            'currency_code'
        ) }} as remaining_amount
    from joined

),

final as (

    select
        account_id,
        vendor_code,
        invoice_number,
        region,
        invoice_type,
        invoice_date,
        currency_code,
        {{ round_money('invoice_total_amount', 'currency_code') }}
            as invoice_total_amount,
        {{ round_money('items_net_amount', 'currency_code') }} as line_amount,
        {{ round_money('tax_amount', 'currency_code') }} as tax_amount,
        {{ round_money('charge_amount', 'currency_code') }} as charge_amount,
        {{ round_money('allowance_amount', 'currency_code') }} as allowance_amount,
        payment_terms_type,
        payment_terms_net_due_days,
        payment_due_date,
        amazon_invoice_identifier,
        amazon_invoice_status,
        {{ round_money('amazon_invoice_amount', 'currency_code') }}
            as amazon_invoice_amount,
        {{ round_money('amazon_paid_amount', 'currency_code') }}
            as amazon_paid_amount,
        {{ round_money('paid_amount', 'currency_code') }} as paid_amount,
        {{ round_money('discount_taken_amount', 'currency_code') }}
            as discount_taken_amount,
        {{ round_money('deducted_amount', 'currency_code') }} as deducted_amount,
        remaining_amount,
        last_payment_date,
        coalesce(
            invoice_type = 'Invoice'
            and coalesce(amazon_invoice_status, '') <> 'PAID'
            and as_of_date > payment_due_date,
            false
        ) as is_overdue,
        payment_numbers,
        amazon_payment_numbers,
        amazon_last_updated_at,
        payload_sha256,
        source_file,
        snapshot_file,
        amazon_payload_sha256,
        amazon_snapshot_file
    from owed

)

select * from final
