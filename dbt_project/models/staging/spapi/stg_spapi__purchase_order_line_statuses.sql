-- One row per account, purchase order and item: the latest status of each line.

{{ config(unique_key=['account_id', 'purchase_order_number']) }}

with

latest as (

    {{ latest_document_versions(
        source('spapi', 'purchase_order_statuses'),
        is_incremental(),
        document_version_rank(),
    ) }}

),

item_statuses as (

    select
        latest.account_id,
        latest.document_key as purchase_order_number,
        latest.extracted_at,
        latest.load_id,
        latest.payload_sha256,
        latest.snapshot_file,
        latest.payload ->> 'purchaseOrderStatus' as purchase_order_status,
        latest.payload ->> 'lastUpdatedDate' as last_updated_date_text,
        item_status.value ->> 'itemSequenceNumber' as item_sequence_number,
        item_status.value ->> 'buyerProductIdentifier' as asin,
        item_status.value ->> 'vendorProductIdentifier' as vendor_sku,
        item_status.value
        -> 'orderedQuantity'
        -> 'orderedQuantity' as ordered_quantity,
        item_status.value
        -> 'orderedQuantity'
        -> 'orderedQuantityDetails' as ordered_quantity_details,
        item_status.value
        -> 'acknowledgementStatus'
        ->> 'confirmationStatus' as confirmation_status,
        item_status.value
        -> 'acknowledgementStatus'
        -> 'acceptedQuantity' as accepted_quantity,
        item_status.value
        -> 'acknowledgementStatus'
        -> 'rejectedQuantity' as rejected_quantity,
        item_status.value
        -> 'acknowledgementStatus'
        -> 'acknowledgementStatusDetails' as acknowledgement_details,
        item_status.value
        -> 'receivingStatus'
        ->> 'receiveStatus' as receive_status,
        item_status.value
        -> 'receivingStatus'
        -> 'receivedQuantity' as received_quantity,
        item_status.value
        -> 'receivingStatus'
        ->> 'lastReceiveDate' as last_receive_date_text
    from latest
    cross join
        {{ json_array_elements("latest.payload -> 'itemStatus'") }} as item_status

),

ordered_quantity_details as (

    select
        item_statuses.account_id,
        item_statuses.purchase_order_number,
        item_statuses.item_sequence_number,
        {{ item_quantity_to_units("quantity_detail.value -> 'cancelledQuantity'") }}
            as cancelled_units
    from item_statuses
    cross join
        {{ json_array_elements('item_statuses.ordered_quantity_details') }}
            as quantity_detail

),

cancellations as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        cast(sum(cancelled_units) as integer) as cancelled_units
    from ordered_quantity_details
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

acknowledgement_details as (

    select
        item_statuses.account_id,
        item_statuses.purchase_order_number,
        item_statuses.item_sequence_number,
        cast(
            acknowledgement_detail.value ->> 'acknowledgementDate'
            as timestamp with time zone
        ) as acknowledged_at
    from item_statuses
    cross join
        {{ json_array_elements('item_statuses.acknowledgement_details') }}
            as acknowledgement_detail

),

acknowledgements as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        max(acknowledged_at) as last_acknowledged_at
    from acknowledgement_details
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

final as (

    select
        item_statuses.account_id,
        item_statuses.purchase_order_number,
        item_statuses.item_sequence_number,
        item_statuses.asin,
        item_statuses.vendor_sku,
        item_statuses.purchase_order_status,
        cast(item_statuses.last_updated_date_text as timestamp with time zone)
            as status_last_updated_at,
        {{ item_quantity_to_units('item_statuses.ordered_quantity') }}
            as ordered_units,
        coalesce(cancellations.cancelled_units, 0) as cancelled_units,
        item_statuses.confirmation_status,
        {{ item_quantity_to_units('item_statuses.accepted_quantity') }}
            as accepted_units,
        {{ item_quantity_to_units('item_statuses.rejected_quantity') }}
            as rejected_units,
        acknowledgements.last_acknowledged_at,
        item_statuses.receive_status,
        {{ item_quantity_to_units('item_statuses.received_quantity') }}
            as received_units,
        cast(item_statuses.last_receive_date_text as timestamp with time zone)
            as last_received_at,
        item_statuses.extracted_at,
        item_statuses.load_id,
        item_statuses.payload_sha256,
        item_statuses.snapshot_file
    from item_statuses
    left join cancellations
        on
            item_statuses.account_id = cancellations.account_id
            and item_statuses.purchase_order_number
            = cancellations.purchase_order_number
            and item_statuses.item_sequence_number
            = cancellations.item_sequence_number
    left join acknowledgements
        on
            item_statuses.account_id = acknowledgements.account_id
            and item_statuses.purchase_order_number
            = acknowledgements.purchase_order_number
            and item_statuses.item_sequence_number
            = acknowledgements.item_sequence_number

)

select * from final
