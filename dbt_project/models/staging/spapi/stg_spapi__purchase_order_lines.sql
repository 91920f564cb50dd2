-- One row per account, purchase order and item: the lines of the latest version.

{{ config(unique_key=['account_id', 'purchase_order_number']) }}

with

latest as (

    {{ latest_document_versions(
        source('spapi', 'purchase_orders'),
        is_incremental(),
        document_version_rank(),
    ) }}

),

items as (

    select
        latest.account_id,
        latest.document_key as purchase_order_number,
        latest.extracted_at,
        latest.load_id,
        order_item.value as order_item
    from latest
    cross join
        {{ json_array_elements("latest.payload -> 'orderDetails' -> 'items'") }}
            as order_item

),

final as (

    select
        account_id,
        purchase_order_number,
        order_item ->> 'itemSequenceNumber' as item_sequence_number,
        order_item ->> 'amazonProductIdentifier' as asin,
        order_item ->> 'vendorProductIdentifier' as vendor_sku,
        cast(order_item -> 'orderedQuantity' ->> 'amount' as integer)
            as ordered_quantity_amount,
        order_item
        -> 'orderedQuantity'
        ->> 'unitOfMeasure' as ordered_quantity_unit_of_measure,
        cast(order_item -> 'orderedQuantity' ->> 'unitSize' as integer)
            as ordered_quantity_unit_size,
        {{ item_quantity_to_units("order_item -> 'orderedQuantity'") }}
            as ordered_units,
        cast(order_item ->> 'isBackOrderAllowed' as boolean)
            as is_back_order_allowed,
        cast(order_item -> 'netCost' ->> 'amount' as decimal(18, 4))
            as net_cost_amount,
        order_item -> 'netCost' ->> 'currencyCode' as net_cost_currency_code,
        order_item -> 'netCost' ->> 'unitOfMeasure' as net_cost_unit_of_measure,
        cast(order_item -> 'listPrice' ->> 'amount' as decimal(18, 4))
            as list_price_amount,
        order_item -> 'listPrice' ->> 'currencyCode' as list_price_currency_code,
        extracted_at,
        load_id
    from items

)

select * from final
