-- One row per account and remittance line (<payment_number>/<line_number>), with
-- the deduction its invoice number's suffix names and the number it refers to.

{{ config(unique_key=['account_id', 'remittance_line_id']) }}

with

latest as (

    {{ latest_document_versions(
        source('inbox', 'remittance_lines'),
        is_incremental(),
        document_version_rank(),
    ) }}

),

extracted as (

    select
        account_id,
        document_key as remittance_line_id,
        region,
        payload ->> 'payment_number' as payment_number,
        cast(payload ->> 'line_number' as integer) as line_number,
        payload ->> 'payment_date' as payment_date_text,
        trim(payload ->> 'invoice_number') as invoice_number,
        payload ->> 'invoice_date' as invoice_date_text,
        payload ->> 'invoice_description' as invoice_description,
        upper(payload ->> 'invoice_currency') as currency_code,
        cast(payload ->> 'invoice_amount' as decimal(18, 4)) as invoice_amount,
        cast(payload ->> 'amount_paid' as decimal(18, 4)) as amount_paid,
        cast(payload ->> 'discount_taken' as decimal(18, 4)) as discount_taken,
        cast(payload ->> 'amount_remaining' as decimal(18, 4))
            as amount_remaining,
        payload ->> 'source_format' as source_format,
        payload_sha256,
        source_file,
        snapshot_file,
        extracted_at,
        load_id
    from latest

),

final as (

    select
        account_id,
        remittance_line_id,
        payment_number,
        line_number,
        region,
        {{ dbt.safe_cast('payment_date_text', 'date') }}
            as payment_date,
        invoice_number,
        {{ dbt.safe_cast('invoice_date_text', 'date') }}
            as invoice_date,
        invoice_description,
        currency_code,
        invoice_amount,
        amount_paid,
        coalesce(discount_taken, 0) as discount_taken,
        amount_remaining,
        {{ remittance_deduction_type('invoice_number') }} as deduction_type,
        {{ remittance_original_invoice_number('invoice_number') }}
            as original_invoice_number,
        source_format,
        payload_sha256,
        source_file,
        snapshot_file,
        extracted_at,
        load_id
    from extracted

)

select * from final
