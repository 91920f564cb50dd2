-- One row per PO line: what the vendor's ASNs in force confirm as shipped for it,
-- in eaches. An ASN item belongs to the line of its purchaseOrderNumber whose
-- ASIN it names, or, when it names no ASIN, whose vendor SKU it names.

with

order_lines as (

    select * from {{ ref('stg_spapi__purchase_order_lines') }}

),

shipment_items as (

    select * from {{ ref('stg_inbox__shipment_confirmation_items') }}

),

matched as (

    select
        order_lines.account_id,
        order_lines.purchase_order_number,
        order_lines.item_sequence_number,
        shipment_items.shipment_identifier,
        shipment_items.shipped_units,
        shipment_items.shipment_confirmed_at,
        shipment_items.shipment_first_confirmed_at,
        shipment_items.shipped_at
    from order_lines
    inner join shipment_items
        on
            order_lines.account_id = shipment_items.account_id
            and order_lines.purchase_order_number
            = shipment_items.purchase_order_number
            and (
                order_lines.asin = shipment_items.asin
                or (
                    shipment_items.asin is null
                    and order_lines.vendor_sku = shipment_items.vendor_sku
                )
            )

),

shipments as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        cast(sum(shipped_units) as integer) as shipped_units,
        cast(count(distinct shipment_identifier) as integer) as shipment_count,
        min(shipment_first_confirmed_at) as first_shipment_confirmed_at,
        max(shipment_confirmed_at) as last_shipment_confirmed_at,
        min(shipped_at) as first_shipped_at
    from matched
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

final as (

    select
        order_lines.account_id,
        order_lines.purchase_order_number,
        order_lines.item_sequence_number,
        shipments.shipped_units,
        coalesce(shipments.shipment_count, 0) as shipment_count,
        shipments.first_shipment_confirmed_at,
        shipments.last_shipment_confirmed_at,
        shipments.first_shipped_at
    from order_lines
    left join shipments
        on
            order_lines.account_id = shipments.account_id
            and order_lines.purchase_order_number
            = shipments.purchase_order_number
            and order_lines.item_sequence_number = shipments.item_sequence_number

)

select * from final
