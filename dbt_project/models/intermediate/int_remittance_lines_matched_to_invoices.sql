-- One row per account and remittance line: its final deduction_type and the
-- counted invoice it pays or deducts from. A number that is a counted invoice's
-- own number is an invoice_payment, whatever it ends with; else the suffix rules
-- of the staging model decide; a number neither explains is `other`.

with

remittance_lines as (

    select * from {{ ref('stg_inbox__remittance_lines') }}

),

invoices as (

    select * from {{ ref('int_invoices_counted') }}

),

counted_invoices as (

    select
        account_id,
        invoice_number,
        vendor_code,
        payload_sha256,
        invoice_at,
        case when invoice_type = 'CreditNote' then -1 else 1 end
        * invoice_total_amount as signed_total_amount
    from invoices
    where is_counted

),

paid_numbers as (

    select distinct
        account_id,
        invoice_number
    from counted_invoices

),

classified as (

    select
        remittance_lines.account_id,
        remittance_lines.remittance_line_id,
        remittance_lines.payment_number,
        remittance_lines.line_number,
        remittance_lines.payment_date,
        remittance_lines.invoice_number,
        remittance_lines.invoice_date,
        remittance_lines.invoice_description,
        remittance_lines.currency_code,
        remittance_lines.invoice_amount,
        remittance_lines.amount_paid,
        remittance_lines.discount_taken,
        remittance_lines.amount_remaining,
        case
            when paid_numbers.invoice_number is not null then 'invoice_payment'
            else coalesce(remittance_lines.deduction_type, 'other')
        end as deduction_type,
        case
            when paid_numbers.invoice_number is not null
                then remittance_lines.invoice_number
            else remittance_lines.original_invoice_number
        end as original_invoice_number,
        remittance_lines.source_format,
        remittance_lines.payload_sha256,
        remittance_lines.source_file,
        remittance_lines.snapshot_file
    from remittance_lines
    left join paid_numbers
        on
            remittance_lines.account_id = paid_numbers.account_id
            and remittance_lines.invoice_number = paid_numbers.invoice_number

),

candidates as (

    -- A remittance line names no vendor code. When its number is held under
    -- several vendor codes, a payment goes to the invoice whose total it
    -- states, then to the earlier invoice, then to the lower vendor code; a
    -- deduction names no single invoice and is attributed to none.
    select
        classified.account_id,
        classified.remittance_line_id,
        counted_invoices.vendor_code,
        counted_invoices.payload_sha256,
        row_number() over (
            partition by classified.account_id, classified.remittance_line_id
            order by
                case
                    when
                        classified.deduction_type = 'invoice_payment'
                        and counted_invoices.signed_total_amount
                        = classified.invoice_amount
                        then 0
                    else 1
                end,
                counted_invoices.invoice_at asc nulls last,
                counted_invoices.vendor_code asc
        ) as candidate_rank,
        count(*) over (
            partition by classified.account_id, classified.remittance_line_id
        ) as candidate_count
    from classified
    inner join counted_invoices
        on
            classified.account_id = counted_invoices.account_id
            and classified.original_invoice_number
            = counted_invoices.invoice_number

),

final as (

    select
        classified.*,
        candidates.vendor_code as invoice_vendor_code,
        candidates.payload_sha256 as invoice_payload_sha256
    from classified
    left join candidates
        on
            classified.account_id = candidates.account_id
            and classified.remittance_line_id = candidates.remittance_line_id
            and candidates.candidate_rank = 1
            and (
                classified.deduction_type = 'invoice_payment'
                or candidates.candidate_count = 1
            )

)

select * from final
