-- One row per account and invoice document, with its item totals and whether it
-- counts: per account, vendor code and invoice number the earliest invoice date
-- (then the lowest payload hash) counts; every other is a duplicate.

with

invoices as (

    select * from {{ ref('stg_inbox__vendor_invoices') }}

),

invoice_items as (

    select * from {{ ref('stg_inbox__vendor_invoice_items') }}

),

item_totals as (

    select
        account_id,
        payload_sha256,
        cast(count(*) as integer) as item_count,
        sum(invoiced_units * net_cost_amount) as items_net_amount,
        sum(item_tax_amount) as items_tax_amount,
        sum(item_charge_amount) as items_charge_amount,
        sum(item_allowance_amount) as items_allowance_amount
    from invoice_items
    group by
        account_id,
        payload_sha256

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id, vendor_code, invoice_number
            order by invoice_at asc nulls last, payload_sha256 asc
        ) as counted_rank
    from invoices

),

final as (

    select
        ranked.account_id,
        ranked.vendor_code,
        ranked.invoice_number,
        ranked.payload_sha256,
        ranked.region,
        ranked.invoice_type,
        ranked.reference_number,
        ranked.invoice_at,
        ranked.invoice_date,
        ranked.bill_to_party_id,
        ranked.payment_terms_type,
        ranked.payment_terms_net_due_days,
        ranked.payment_terms_discount_percent,
        ranked.payment_terms_discount_due_days,
        ranked.currency_code,
        ranked.invoice_total_amount,
        coalesce(item_totals.item_count, 0) as item_count,
        -- Money at the declared scale: a sum's scale is otherwise the engine's
        -- choice (postgres keeps an unconstrained numeric), and so would the
        -- amounts' rendering be.
        cast(coalesce(item_totals.items_net_amount, 0) as decimal(18, 4))
            as items_net_amount,
        -- Header totals cover every item; items carry their own only when the
        -- header has none.
        cast(
            coalesce(ranked.header_tax_amount, item_totals.items_tax_amount, 0)
            as decimal(18, 4)
        ) as tax_amount,
        cast(
            coalesce(
                ranked.header_charge_amount, item_totals.items_charge_amount, 0
            ) as decimal(18, 4)
        ) as charge_amount,
        cast(
            coalesce(
                ranked.header_allowance_amount,
                item_totals.items_allowance_amount,
                0
            ) as decimal(18, 4)
        ) as allowance_amount,
        ranked.counted_rank = 1 as is_counted,
        cast(ranked.counted_rank as integer) as counted_rank,
        ranked.source_file,
        ranked.snapshot_file,
        ranked.extracted_at
    from ranked
    left join item_totals
        on
            ranked.account_id = item_totals.account_id
            and ranked.payload_sha256 = item_totals.payload_sha256

)

select * from final
