-- One row per account, Amazon invoice and line item: the PO line Amazon's line
-- item pays, found by its PO (the item's PURCHASE_ORDER_IDS, else the header's)
-- and its ASIN.

with

finance_items as (

    select * from {{ ref('stg_finance__invoice_items') }}

),

finance_invoices as (

    select * from {{ ref('stg_finance__invoices') }}

),

order_lines as (

    select * from {{ ref('stg_spapi__purchase_order_lines') }}

),

header_candidates as (

    select
        finance_items.account_id,
        finance_items.invoice_identifier,
        finance_items.line_item_id,
        {{ json_scalar_text('header_purchase_order.value') }}
            as purchase_order_number
    from finance_items
    cross join
        {{ json_array_elements('finance_items.header_purchase_order_ids') }}
            as header_purchase_order
    where finance_items.item_purchase_order_number is null

),

candidates as (

    select
        account_id,
        invoice_identifier,
        line_item_id,
        item_purchase_order_number as purchase_order_number
    from finance_items
    where item_purchase_order_number is not null
    union all
    select
        header_candidates.account_id,
        header_candidates.invoice_identifier,
        header_candidates.line_item_id,
        header_candidates.purchase_order_number
    from header_candidates

),

matched as (

    select
        candidates.account_id,
        candidates.invoice_identifier,
        candidates.line_item_id,
        order_lines.purchase_order_number,
        order_lines.item_sequence_number,
        row_number() over (
            partition by
                candidates.account_id,
                candidates.invoice_identifier,
                candidates.line_item_id
            order by
                order_lines.purchase_order_number,
                order_lines.item_sequence_number
        ) as match_rank
    from candidates
    inner join finance_items
        on
            candidates.account_id = finance_items.account_id
            and candidates.invoice_identifier = finance_items.invoice_identifier
            and candidates.line_item_id = finance_items.line_item_id
    inner join order_lines
        on
            candidates.account_id = order_lines.account_id
            and candidates.purchase_order_number
            = order_lines.purchase_order_number
            and finance_items.asin = order_lines.asin

),

final as (

    select
        finance_items.account_id,
        finance_items.invoice_identifier,
        finance_items.line_item_id,
        finance_items.invoice_number,
        finance_invoices.vendor_code,
        finance_invoices.invoice_status,
        finance_items.asin,
        matched.purchase_order_number,
        matched.item_sequence_number,
        matched.item_sequence_number is not null as is_matched_to_po_line,
        finance_items.quantity,
        finance_items.matched_quantity,
        finance_items.paid_quantity,
        finance_items.paid_amount,
        coalesce(finance_items.currency_code, finance_invoices.currency_code)
            as currency_code
    from finance_items
    left join finance_invoices
        on
            finance_items.account_id = finance_invoices.account_id
            and finance_items.invoice_identifier
            = finance_invoices.invoice_identifier
    left join matched
        on
            finance_items.account_id = matched.account_id
            and finance_items.invoice_identifier = matched.invoice_identifier
            and finance_items.line_item_id = matched.line_item_id
            and matched.match_rank = 1

)

select * from final
