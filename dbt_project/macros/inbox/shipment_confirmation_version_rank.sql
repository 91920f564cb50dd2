{#-
    Rank the versions of each ASN (account_id, shipmentIdentifier), 1 being the
    one in force: a `Replace` supersedes the `Original`; among versions of the
    same type the latest shipmentConfirmationDate wins, then the latest
    extraction; the payload hash only makes the choice deterministic.
-#}
{% macro shipment_confirmation_version_rank() -%}
    row_number() over (
        partition by account_id, document_key
        order by
            case payload ->> 'shipmentConfirmationType'
                when 'Replace' then 1
                else 2
            end asc,
            cast(payload ->> 'shipmentConfirmationDate' as timestamp with time zone)
                desc nulls last,
            extracted_at desc,
            payload_sha256 desc
    )
{%- endmacro %}


{#-
    When the vendor first confirmed an ASN, whatever version replaced it: a
    window expression over all the versions of each (account_id, document_key).
-#}
{% macro shipment_first_confirmed_at() -%}
    min(
        cast(payload ->> 'shipmentConfirmationDate' as timestamp with time zone)
    ) over (partition by account_id, document_key)
{%- endmacro %}
