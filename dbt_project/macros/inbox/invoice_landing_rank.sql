{#-
    Rank the landings of each vendor invoice document (account_id,
    payload_sha256), 1 being the one to keep. Invoices have no versions: every
    distinct payload is a document of its own, and the duplicate rule
    (int_invoices_counted) decides which one counts. The same payload landed
    twice (a re-dropped file) is kept once, as first landed.
-#}
{% macro invoice_landing_rank() -%}
    row_number() over (
        partition by account_id, payload_sha256
        order by extracted_at asc, source_file asc
    )
{%- endmacro %}
