-- One row per account and distinct invoice document (Amazon's `Invoice` model):
-- header, totals in the document's currency, and where the document came from.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['account_id', 'payload_sha256'],
        on_schema_change='fail',
    )
}}

with

source as (

    {{ documents_to_rebuild(
        source('inbox', 'vendor_invoices'),
        is_incremental(),
        document_columns=['account_id', 'payload_sha256']
    ) }}

),

-- Invoices have no versions: every distinct payload is a document of its own,
-- and the duplicate rule (int_invoices_counted) decides which one counts. The
-- same payload landed twice (a re-dropped file) is kept once, as first landed.
ranked as (

    select
        *,
        row_number() over (
            partition by account_id, payload_sha256
            order by extracted_at asc, source_file asc
        ) as landing_rank
    from source

),

documents as (

    select * from ranked
    where landing_rank = 1

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

    select
        extracted.account_id,
        extracted.payload_sha256,
        sum(cast(tax.value -> 'taxAmount' ->> 'amount' as decimal(18, 4)))
            as tax_amount
    from extracted
    cross join {{ json_array_elements('extracted.tax_details') }} as tax
    group by
        extracted.account_id,
        extracted.payload_sha256

),

charges as (

    select
        extracted.account_id,
        extracted.payload_sha256,
        sum(cast(charge.value -> 'chargeAmount' ->> 'amount' as decimal(18, 4)))
            as charge_amount
    from extracted
    cross join {{ json_array_elements('extracted.charge_details') }} as charge
    group by
        extracted.account_id,
        extracted.payload_sha256

),

allowances as (

    select
        extracted.account_id,
        extracted.payload_sha256,
        sum(
            cast(allowance.value -> 'allowanceAmount' ->> 'amount' as decimal(18, 4))
        ) as allowance_amount
    from extracted
    cross join
        {{ json_array_elements('extracted.allowance_details') }} as allowance
    group by
        extracted.account_id,
        extracted.payload_sha256

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
        taxes.tax_amount as header_tax_amount,
        charges.charge_amount as header_charge_amount,
        allowances.allowance_amount as header_allowance_amount,
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
