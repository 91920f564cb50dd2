-- One row per account and purchase order: the header of the latest order version.

{{ config(unique_key=['account_id', 'purchase_order_number']) }}

with

latest as (

    {{ latest_document_versions(
        source('spapi', 'purchase_orders'),
        is_incremental(),
        document_version_rank(),
    ) }}

),

extracted as (

    select
        account_id,
        document_key as purchase_order_number,
        region,
        marketplace_id,
        payload ->> 'purchaseOrderState' as purchase_order_state,
        payload -> 'orderDetails' ->> 'purchaseOrderType' as purchase_order_type,
        payload
        -> 'orderDetails'
        ->> 'purchaseOrderDate' as purchase_order_date_text,
        payload
        -> 'orderDetails'
        ->> 'purchaseOrderChangedDate' as purchase_order_changed_date_text,
        payload
        -> 'orderDetails'
        ->> 'purchaseOrderStateChangedDate' as state_changed_date_text,
        payload -> 'orderDetails' -> 'sellingParty' ->> 'partyId' as vendor_code,
        payload
        -> 'orderDetails'
        -> 'buyingParty'
        ->> 'partyId' as buying_party_id,
        payload
        -> 'orderDetails'
        -> 'shipToParty'
        ->> 'partyId' as ship_to_party_id,
        payload
        -> 'orderDetails'
        -> 'billToParty'
        ->> 'partyId' as bill_to_party_id,
        payload -> 'orderDetails' ->> 'paymentMethod' as payment_method,
        -- Windows come as one ISO 8601 interval: "<start>--<end>".
        payload -> 'orderDetails' ->> 'shipWindow' as ship_window,
        payload -> 'orderDetails' ->> 'deliveryWindow' as delivery_window,
        document_updated_at,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from latest

),

windows_split as (

    select
        *,
        nullif({{ dbt.split_part('ship_window', "'--'", 1) }}, '')
            as ship_window_start_text,
        nullif({{ dbt.split_part('ship_window', "'--'", 2) }}, '')
            as ship_window_end_text,
        nullif({{ dbt.split_part('delivery_window', "'--'", 1) }}, '')
            as delivery_window_start_text,
        nullif({{ dbt.split_part('delivery_window', "'--'", 2) }}, '')
            as delivery_window_end_text
    from extracted

),

final as (

    select
        account_id,
        purchase_order_number,
        region,
        marketplace_id,
        purchase_order_state,
        purchase_order_type,
        cast(purchase_order_date_text as timestamp with time zone)
            as purchase_order_at,
        cast(
            cast(purchase_order_date_text as timestamp with time zone)
            at time zone 'UTC' as date
        ) as purchase_order_date,
        cast(purchase_order_changed_date_text as timestamp with time zone)
            as purchase_order_changed_at,
        cast(state_changed_date_text as timestamp with time zone)
            as purchase_order_state_changed_at,
        vendor_code,
        buying_party_id,
        ship_to_party_id,
        bill_to_party_id,
        payment_method,
        cast(ship_window_start_text as timestamp with time zone)
            as ship_window_start_at,
        cast(ship_window_end_text as timestamp with time zone)
            as ship_window_end_at,
        cast(delivery_window_start_text as timestamp with time zone)
            as delivery_window_start_at,
        cast(delivery_window_end_text as timestamp with time zone)
            as delivery_window_end_at,
        document_updated_at,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
    from windows_split

)

select * from final
