-- One row per account and shipmentIdentifier: the ASN version in force.

{{ config(unique_key=['account_id', 'shipment_identifier']) }}

with

latest as (

    {{ latest_document_versions(
        source('inbox', 'vendor_shipment_confirmations'),
        is_incremental(),
        shipment_confirmation_version_rank(),
        history_columns={
            'version_count': 'count(*) over (partition by account_id, document_key)',
            'first_confirmed_at': shipment_first_confirmed_at(),
        },
    ) }}

),

final as (

    select
        account_id,
        document_key as shipment_identifier,
        region,
        payload ->> 'shipmentConfirmationType' as shipment_confirmation_type,
        cast(
            payload ->> 'shipmentConfirmationDate' as timestamp with time zone
        ) as shipment_confirmed_at,
        first_confirmed_at as shipment_first_confirmed_at,
        cast(payload ->> 'shippedDate' as timestamp with time zone) as shipped_at,
        cast(payload ->> 'estimatedDeliveryDate' as timestamp with time zone)
            as estimated_delivery_at,
        payload ->> 'shipmentType' as shipment_type,
        payload ->> 'shipmentStructure' as shipment_structure,
        payload -> 'sellingParty' ->> 'partyId' as vendor_code,
        payload -> 'shipFromParty' ->> 'partyId' as ship_from_party_id,
        payload -> 'shipToParty' ->> 'partyId' as ship_to_party_id,
        payload ->> 'amazonReferenceNumber' as amazon_reference_number,
        cast(version_count as integer) as version_count,
        payload_sha256,
        source_file,
        snapshot_file,
        extracted_at,
        load_id
    from latest

)

select * from final
