{#-
    Rank the landed versions of each Amazon document, 1 being the one to keep.
    The raw tables are append-only, one row per extracted document version.
    The version Amazon changed last wins; among equal versions the one extracted
    last wins; the payload hash only makes the choice deterministic. A version
    without any change date (a summary without details) sorts after dated ones.
-#}
{% macro document_version_rank() -%}
    row_number() over (
        partition by account_id, document_key
        order by
            document_updated_at desc nulls last,
            extracted_at desc,
            payload_sha256 desc
    )
{%- endmacro %}
