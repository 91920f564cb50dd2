{#-
    Rank the landed versions of each of Amazon's invoices (account_id,
    invoiceIdentifier), 1 being the one to keep: the latest lastUpdatedDate of
    the header, then the latest extraction, then the payload hash.
-#}
{% macro finance_invoice_version_rank() -%}
    row_number() over (
        partition by account_id, document_key
        order by
            cast(
                payload -> 'invoiceHeader' ->> 'lastUpdatedDate'
                as timestamp with time zone
            ) desc nulls last,
            document_updated_at desc nulls last,
            extracted_at desc,
            payload_sha256 desc
    )
{%- endmacro %}
