-- One row per account, invoiceIdentifier and lineItemId of Amazon's latest view
-- of the invoice: the item, its PO and ASIN, and what Amazon matched and paid.

{{ config(unique_key=['account_id', 'invoice_identifier']) }}

with

latest as (

    {{ latest_document_versions(
        source('finance', 'finance_invoices'),
        is_incremental(),
        finance_invoice_version_rank(),
    ) }}

),

items as (

    select
        latest.account_id,
        latest.document_key as invoice_identifier,
        latest.payload -> 'invoiceHeader' ->> 'invoiceNumber' as invoice_number,
        latest.payload -> 'invoiceHeader' -> 'relatedIdentifiers'
            as header_related_identifiers,
        latest.load_id,
        invoice_item.value as invoice_item
    from latest
    cross join
        {{ json_array_elements("latest.payload -> 'invoiceItems'") }}
            as invoice_item

),

asins as (

    select
        items.account_id,
        items.invoice_identifier,
        items.invoice_item ->> 'lineItemId' as line_item_id,
        min(item_identifier.value ->> 'itemIdentifierValue') as asin
    from items
    cross join
        {{ json_array_elements(
            "items.invoice_item -> 'lineItemContext' -> 'itemIdentifiers'"
        ) }} as item_identifier
    where item_identifier.value ->> 'itemIdentifierName' = 'ASIN'
    group by
        items.account_id,
        items.invoice_identifier,
        items.invoice_item ->> 'lineItemId'

),

item_purchase_orders as (

    select
        items.account_id,
        items.invoice_identifier,
        items.invoice_item ->> 'lineItemId' as line_item_id,
        min({{ json_scalar_text('purchase_order.value') }})
            as purchase_order_number
    from items
    cross join
        {{ json_array_elements("items.invoice_item -> 'relatedItemIdentifiers'") }}
            as related
    cross join
        {{ json_array_elements("related.value -> 'relatedIdentifierValue'") }}
            as purchase_order
    where related.value ->> 'relatedIdentifierName' = 'PURCHASE_ORDER_IDS'
    group by
        items.account_id,
        items.invoice_identifier,
        items.invoice_item ->> 'lineItemId'

),

header_purchase_orders as (

    -- The header's PURCHASE_ORDER_IDS, for items that name no PO themselves.
    select
        items.account_id,
        items.invoice_identifier,
        items.invoice_item ->> 'lineItemId' as line_item_id,
        related.value -> 'relatedIdentifierValue' as purchase_order_ids,
        row_number() over (
            partition by
                items.account_id,
                items.invoice_identifier,
                items.invoice_item ->> 'lineItemId'
            order by related.value ->> 'relatedIdentifierValue'
        ) as identifier_rank
    from items
    cross join
        {{ json_array_elements('items.header_related_identifiers') }} as related
    where related.value ->> 'relatedIdentifierName' = 'PURCHASE_ORDER_IDS'

),

final as (

    select
        items.account_id,
        items.invoice_identifier,
        items.invoice_item ->> 'lineItemId' as line_item_id,
        items.invoice_number,
        items.invoice_item -> 'lineItemContext' ->> 'lineItemType'
            as line_item_type,
        asins.asin,
        item_purchase_orders.purchase_order_number as item_purchase_order_number,
        header_purchase_orders.purchase_order_ids as header_purchase_order_ids,
        cast(items.invoice_item ->> 'quantity' as integer) as quantity,
        cast(
            items.invoice_item -> 'unitCost' ->> 'currencyAmount' as decimal(18, 4)
        ) as unit_cost_amount,
        cast(
            items.invoice_item -> 'totalAmount' ->> 'currencyAmount'
            as decimal(18, 4)
        ) as total_amount,
        items.invoice_item -> 'totalAmount' ->> 'currencyCode' as currency_code,
        cast(
            items.invoice_item
            -> 'lineItemContext'
            -> 'matchingContext'
            ->> 'matchedQuantity' as integer
        ) as matched_quantity,
        cast(
            items.invoice_item
            -> 'lineItemContext'
            -> 'matchingContext'
            -> 'matchedAmount'
            ->> 'currencyAmount' as decimal(18, 4)
        ) as matched_amount,
        cast(
            items.invoice_item
            -> 'lineItemContext'
            -> 'matchingContext'
            ->> 'quantityVariance' as integer
        ) as quantity_variance,
        cast(
            items.invoice_item
            -> 'lineItemContext'
            -> 'matchingContext'
            -> 'priceVariance'
            ->> 'currencyAmount' as decimal(18, 4)
        ) as price_variance_amount,
        cast(
            items.invoice_item
            -> 'lineItemContext'
            -> 'matchingContext'
            ->> 'paidQuantity' as integer
        ) as paid_quantity,
        cast(
            items.invoice_item
            -> 'lineItemContext'
            -> 'matchingContext'
            -> 'paidAmount'
            ->> 'currencyAmount' as decimal(18, 4)
        ) as paid_amount,
        items.load_id
    from items
    left join asins
        on
            items.account_id = asins.account_id
            and items.invoice_identifier = asins.invoice_identifier
            and items.invoice_item ->> 'lineItemId' = asins.line_item_id
    left join item_purchase_orders
        on
            items.account_id = item_purchase_orders.account_id
            and items.invoice_identifier = item_purchase_orders.invoice_identifier
            and items.invoice_item ->> 'lineItemId'
            = item_purchase_orders.line_item_id
    left join header_purchase_orders
        on
            items.account_id = header_purchase_orders.account_id
            and items.invoice_identifier = header_purchase_orders.invoice_identifier
            and items.invoice_item ->> 'lineItemId'
            = header_purchase_orders.line_item_id
            and header_purchase_orders.identifier_rank = 1

)

select * from final
