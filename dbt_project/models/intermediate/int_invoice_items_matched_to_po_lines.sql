-- One row per account, invoice document and item, for counted invoices only: the
-- PO line the item invoices (its purchaseOrderNumber and ASIN, else vendor SKU),
-- with units and amount signed (a credit note's items count negative).

with

invoices as (

    select * from {{ ref('int_invoices_counted') }}

),

invoice_items as (

    select * from {{ ref('stg_inbox__vendor_invoice_items') }}

),

order_lines as (

    select * from {{ ref('stg_spapi__purchase_order_lines') }}

),

counted_items as (

    select
        invoice_items.*,
        invoices.invoice_date,
        invoices.currency_code as invoice_currency_code,
        invoices.source_file,
        invoices.snapshot_file,
        case when invoices.invoice_type = 'CreditNote' then -1 else 1 end
            as quantity_sign
    from invoice_items
    inner join invoices
        on
            invoice_items.account_id = invoices.account_id
            and invoice_items.payload_sha256 = invoices.payload_sha256
    where invoices.is_counted

),

matched as (

    select
        counted_items.account_id,
        counted_items.vendor_code,
        counted_items.invoice_number,
        counted_items.payload_sha256,
        counted_items.item_sequence_number as invoice_item_sequence_number,
        counted_items.invoice_type,
        counted_items.invoice_date,
        counted_items.purchase_order_number,
        order_lines.item_sequence_number,
        counted_items.asin,
        counted_items.vendor_sku,
        counted_items.quantity_sign * counted_items.invoiced_units
            as invoiced_units,
        counted_items.net_cost_amount,
        coalesce(
            counted_items.net_cost_currency_code,
            counted_items.invoice_currency_code
        ) as currency_code,
        -- At the declared money scale, the same type on every engine.
        cast(
            counted_items.quantity_sign
            * counted_items.invoiced_units
            * counted_items.net_cost_amount
            as decimal(18, 4)
        ) as invoiced_amount,
        order_lines.item_sequence_number is not null as is_matched_to_po_line,
        counted_items.source_file,
        counted_items.snapshot_file,
        -- An item matching two lines of one PO (the same ASIN twice) goes to
        -- the first line only.
        row_number() over (
            partition by
                counted_items.account_id,
                counted_items.payload_sha256,
                counted_items.item_sequence_number
            order by order_lines.item_sequence_number
        ) as line_match_rank
    from counted_items
    left join order_lines
        on
            counted_items.account_id = order_lines.account_id
            and counted_items.purchase_order_number
            = order_lines.purchase_order_number
            and (
                counted_items.asin = order_lines.asin
                or (
                    counted_items.asin is null
                    and counted_items.vendor_sku = order_lines.vendor_sku
                )
            )

),

final as (

    select
        account_id,
        vendor_code,
        invoice_number,
        payload_sha256,
        invoice_item_sequence_number,
        invoice_type,
        invoice_date,
        purchase_order_number,
        item_sequence_number,
        asin,
        vendor_sku,
        invoiced_units,
        net_cost_amount,
        currency_code,
        invoiced_amount,
        is_matched_to_po_line,
        source_file,
        snapshot_file
    from matched
    where line_match_rank = 1

)

select * from final
