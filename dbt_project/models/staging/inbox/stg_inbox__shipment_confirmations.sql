-- One row per account and shipmentIdentifier: the ASN version in force.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['account_id', 'shipment_identifier'],
        on_schema_change='fail',
    )
}}

with

source as (

    {{ documents_to_rebuild(
        source('inbox', 'vendor_shipment_confirmations'),
        is_incremental()
    ) }}

),

ranked as (

    select
        *,
        {{ shipment_confirmation_version_rank() }} as version_rank,
        count(*) over (partition by account_id, document_key) as version_count,
        min(
            cast(
                payload ->> 'shipmentConfirmationDate' as timestamp with time zone
            )
        ) over (partition by account_id, document_key) as first_confirmed_at
    from source

),

latest as (

    select * from ranked
    where version_rank = 1

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
