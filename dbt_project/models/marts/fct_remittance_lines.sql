-- One row per account and remittance line: what Amazon paid or deducted, the
-- deduction type its invoice number says, and the counted invoice it refers to.

with

remittance_lines as (

    select * from {{ ref('int_remittance_lines_matched_to_invoices') }}

),

finance_invoices as (

    select * from {{ ref('stg_finance__invoices') }}

),

debit_notes as (

    -- Amazon raises chargebacks and co-op invoices as its own invoices, which
    -- name the purchase order a chargeback is for.
    select
        account_id,
        invoice_number,
        min(purchase_order_numbers) as purchase_order_numbers
    from finance_invoices
    where invoice_type = 'OTHER'
    group by
        account_id,
        invoice_number

),

final as (

    select
        remittance_lines.account_id,
        remittance_lines.remittance_line_id,
        remittance_lines.payment_number,
        remittance_lines.payment_date,
        remittance_lines.line_number,
        remittance_lines.invoice_number,
        remittance_lines.original_invoice_number,
        remittance_lines.invoice_vendor_code,
        remittance_lines.deduction_type,
        remittance_lines.deduction_type <> 'invoice_payment' as is_deduction,
        remittance_lines.invoice_date,
        remittance_lines.invoice_description,
        remittance_lines.currency_code,
        {{ round_money(
            'remittance_lines.invoice_amount', 'remittance_lines.currency_code'
        ) }} as invoice_amount,
        {{ round_money(
            'remittance_lines.amount_paid', 'remittance_lines.currency_code'
        ) }} as amount_paid,
        {{ round_money(
            'remittance_lines.discount_taken', 'remittance_lines.currency_code'
        ) }} as discount_taken,
        {{ round_money(
            'coalesce(remittance_lines.amount_remaining,'
            ~ ' remittance_lines.invoice_amount - remittance_lines.amount_paid'
            ~ ' - remittance_lines.discount_taken)',
            'remittance_lines.currency_code'
        ) }} as amount_remaining,
        -- Cast again: postgres drops the scale of a case whose else is null.
        cast(
            case
                when remittance_lines.deduction_type <> 'invoice_payment'
                    then {{ round_money(
                        '-remittance_lines.amount_paid',
                        'remittance_lines.currency_code'
                    ) }}
            end
            as decimal(18, 4)
        ) as deducted_amount,
        case
            when debit_notes.purchase_order_numbers not like '%,%'
                then debit_notes.purchase_order_numbers
        end as purchase_order_number,
        remittance_lines.source_format,
        remittance_lines.payload_sha256,
        remittance_lines.source_file,
        remittance_lines.snapshot_file
    from remittance_lines
    left join debit_notes
        on
            remittance_lines.account_id = debit_notes.account_id
            and remittance_lines.invoice_number = debit_notes.invoice_number

)

select * from final
