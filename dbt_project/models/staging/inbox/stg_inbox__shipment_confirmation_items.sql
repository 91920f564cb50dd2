-- One row per account, shipmentIdentifier and shipped item of the ASN version in
-- force, the shipped quantity in eaches.

{{ config(unique_key=['account_id', 'shipment_identifier']) }}

with

latest as (

    {{ latest_document_versions(
        source('inbox', 'vendor_shipment_confirmations'),
        is_incremental(),
        shipment_confirmation_version_rank(),
        built_column='snapshot_file',
        history_columns={'first_confirmed_at': shipment_first_confirmed_at()},
    ) }}

),

items as (

    select
        latest.account_id,
        latest.document_key as shipment_identifier,
        latest.payload ->> 'shipmentConfirmationDate' as confirmation_date_text,
        latest.payload ->> 'shippedDate' as shipped_date_text,
        latest.first_confirmed_at,
        latest.payload_sha256,
        latest.snapshot_file,
        shipped_item.value as shipped_item
    from latest
    cross join
        {{ json_array_elements("latest.payload -> 'shippedItems'") }}
            as shipped_item

),

final as (

    select
        account_id,
        shipment_identifier,
        shipped_item ->> 'itemSequenceNumber' as item_sequence_number,
        shipped_item
        -> 'itemDetails'
        ->> 'purchaseOrderNumber' as purchase_order_number,
        shipped_item ->> 'amazonProductIdentifier' as asin,
        shipped_item ->> 'vendorProductIdentifier' as vendor_sku,
        cast(shipped_item -> 'shippedQuantity' ->> 'amount' as integer)
            as shipped_quantity_amount,
        shipped_item
        -> 'shippedQuantity'
        ->> 'unitOfMeasure' as shipped_quantity_unit_of_measure,
        cast(shipped_item -> 'shippedQuantity' ->> 'unitSize' as integer)
            as shipped_quantity_unit_size,
        {{ item_quantity_to_units("shipped_item -> 'shippedQuantity'") }}
            as shipped_units,
        cast(confirmation_date_text as timestamp with time zone)
            as shipment_confirmed_at,
        first_confirmed_at as shipment_first_confirmed_at,
        cast(shipped_date_text as timestamp with time zone) as shipped_at,
        payload_sha256,
        snapshot_file
    from items

)

select * from final
