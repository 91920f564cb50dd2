-- One row per remittance deduction line and PO line of the counted invoice it
-- deducts from: the deduction spread over that invoice's PO lines in proportion
-- to their invoiced amount, rounded to the currency, the last line (by PO number
-- and item number) taking the remainder. Positive is money deducted; a reversal
-- is negative.

with

remittance_lines as (

    select * from {{ ref('int_remittance_lines_matched_to_invoices') }}

),

invoice_items as (

    select * from {{ ref('int_invoice_items_matched_to_po_lines') }}

),

deductions as (

    select
        account_id,
        remittance_line_id,
        payment_number,
        payment_date,
        deduction_type,
        original_invoice_number,
        invoice_vendor_code,
        invoice_payload_sha256,
        currency_code,
        -amount_paid as deducted_amount
    from remittance_lines
    where
        deduction_type <> 'invoice_payment'
        and invoice_payload_sha256 is not null

),

invoice_po_lines as (

    select
        account_id,
        payload_sha256,
        purchase_order_number,
        item_sequence_number,
        sum(invoiced_amount) as invoiced_amount
    from invoice_items
    where is_matched_to_po_line
    group by
        account_id,
        payload_sha256,
        purchase_order_number,
        item_sequence_number

),

weighted as (

    select
        deductions.account_id,
        deductions.remittance_line_id,
        deductions.payment_number,
        deductions.payment_date,
        deductions.deduction_type,
        deductions.original_invoice_number,
        deductions.invoice_vendor_code,
        deductions.currency_code,
        deductions.deducted_amount,
        invoice_po_lines.purchase_order_number,
        invoice_po_lines.item_sequence_number,
        invoice_po_lines.invoiced_amount,
        sum(invoice_po_lines.invoiced_amount) over (
            partition by deductions.account_id, deductions.remittance_line_id
        ) as invoice_invoiced_amount,
        row_number() over (
            partition by deductions.account_id, deductions.remittance_line_id
            order by
                invoice_po_lines.purchase_order_number desc,
                {{ item_number_order('invoice_po_lines.item_sequence_number') }}
                desc,
                invoice_po_lines.item_sequence_number desc
        ) as reverse_line_rank
    from deductions
    inner join invoice_po_lines
        on
            deductions.account_id = invoice_po_lines.account_id
            and deductions.invoice_payload_sha256 = invoice_po_lines.payload_sha256

),

shares as (

    select
        *,
        {{ divide_money(
            'deducted_amount * invoiced_amount',
            'invoice_invoiced_amount',
            'currency_code'
        ) }} as proportional_amount,
        {{ round_money('deducted_amount', 'currency_code') }}
            as rounded_deducted_amount
    from weighted

),

remainders as (

    select
        *,
        sum(proportional_amount) over (
            partition by account_id, remittance_line_id
        ) - proportional_amount as other_lines_amount
    from shares

),

final as (

    select
        account_id,
        remittance_line_id,
        purchase_order_number,
        item_sequence_number,
        payment_number,
        payment_date,
        deduction_type,
        original_invoice_number,
        invoice_vendor_code,
        currency_code,
        -- At the declared money scale: the window sum's is the engine's choice.
        cast(
            case
                when reverse_line_rank = 1
                    then rounded_deducted_amount - coalesce(other_lines_amount, 0)
                else proportional_amount
            end
            as decimal(18, 4)
        ) as deducted_amount
    from remainders

)

select * from final
