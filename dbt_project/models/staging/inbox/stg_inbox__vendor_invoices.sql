-- One row per account and distinct invoice document (Amazon's `Invoice` model):
-- header, totals in the document's currency, and where the document came from.

{{ config(unique_key=['account_id', 'payload_sha256']) }}
{%- set invoice_key = ['account_id', 'payload_sha256'] %}

with

documents as (

    {{ latest_document_versions(
        source('inbox', 'vendor_invoices'),
        is_incremental(),
        invoice_landing_rank(),
        document_columns=['account_id', 'payload_sha256'],
    ) }}

),

extracted as (

    select
        account_id,
        region,
        payload_sha256,
        payload ->> 'id' as invoice_number,
        payload ->> 'invoiceType' as invoice_type,
        payload ->> 'referenceNumber' as reference_number,
        payload ->> 'date' as invoice_date_text,
        payload -> 'remitToParty' ->> 'partyId' as vendor_code,
        payload -> 'billToParty' ->> 'partyId' as bill_to_party_id,
        payload -> 'shipToParty' ->> 'partyId' as ship_to_party_id,
        payload -> 'shipFromParty' ->> 'partyId' as ship_from_party_id,
        payload -> 'paymentTerms' ->> 'type' as payment_terms_type,
        payload
        -> 'paymentTerms'
        ->> 'netDueDays' as payment_terms_net_due_days_text,
        payload
        -> 'paymentTerms'
        ->> 'discountPercent' as payment_terms_discount_percent_text,
        payload
        -> 'paymentTerms'
        ->> 'discountDueDays' as payment_terms_discount_due_days_text,
        payload -> 'invoiceTotal' ->> 'currencyCode' as currency_code,
        payload -> 'invoiceTotal' ->> 'amount' as invoice_total_text,
        payload -> 'taxDetails' as tax_details,
        payload -> 'chargeDetails' as charge_details,
        payload -> 'allowanceDetails' as allowance_details,
        source_file,
        source_file_sha256,
        snapshot_file,
        extracted_at,
        load_id
    from documents

),

taxes as (

    {{ invoice_detail_amounts(
        'extracted', 'tax_details', 'taxAmount', invoice_key
    ) }}

),

charges as (

    {{ invoice_detail_amounts(
        'extracted', 'charge_details', 'chargeAmount', invoice_key
    ) }}

),

allowances as (

    {{ invoice_detail_amounts(
        'extracted', 'allowance_details', 'allowanceAmount', invoice_key
    ) }}

),

final as (

    select
        extracted.account_id,
        extracted.vendor_code,
        extracted.invoice_number,
        extracted.payload_sha256,
        extracted.region,
        extracted.invoice_type,
        extracted.reference_number,
        cast(extracted.invoice_date_text as timestamp with time zone)
            as invoice_at,
        cast(
            cast(extracted.invoice_date_text as timestamp with time zone)
            at time zone 'UTC' as date
        ) as invoice_date,
        extracted.bill_to_party_id,
        extracted.ship_to_party_id,
        extracted.ship_from_party_id,
        extracted.payment_terms_type,
        cast(
            cast(extracted.payment_terms_net_due_days_text as decimal(18, 4))
            as integer
        ) as payment_terms_net_due_days,
        cast(extracted.payment_terms_discount_percent_text as decimal(18, 4))
            as payment_terms_discount_percent,
        cast(
            cast(extracted.payment_terms_discount_due_days_text as decimal(18, 4))
            as integer
        ) as payment_terms_discount_due_days,
        extracted.currency_code,
        cast(extracted.invoice_total_text as decimal(18, 4))
            as invoice_total_amount,
        taxes.detail_amount as header_tax_amount,
        charges.detail_amount as header_charge_amount,
        allowances.detail_amount as header_allowance_amount,
        extracted.source_file,
        extracted.source_file_sha256,
        extracted.snapshot_file,
        extracted.extracted_at,
        extracted.load_id
    from extracted
    left join taxes
        on
            extracted.account_id = taxes.account_id
            and extracted.payload_sha256 = taxes.payload_sha256
    left join charges
        on
            extracted.account_id = charges.account_id
            and extracted.payload_sha256 = charges.payload_sha256
    left join allowances
        on
            extracted.account_id = allowances.account_id
            and extracted.payload_sha256 = allowances.payload_sha256

)

select * from final
