{#-
    What a remittance line's invoice number says about it, from Amazon's suffix
    conventions (docs/reconciliation-rules.md, "Remittance lines"), longest match
    first; a co-op number (XXXX-XXXXXXXX) is never read as a suffix. Shortage
    suffixes chain (SC, SCR, SCRSC, SCRSCR, ...): the last link decides claim or
    reversal, and the whole chain is removed. Returns null for a
    number without a deduction suffix: whether it pays a counted invoice
    (invoice_payment) or not (other) is decided against the invoices.
-#}
{% macro remittance_deduction_type(invoice_number) -%}
    case
        when {{ invoice_number }} like '%VCBSINV%' then 'chargeback'
        when {{ invoice_number }} like '%\_PROVISION\_FOR\_RECEIVABLESR' escape '\'
            then 'provision_reversal'
        when {{ invoice_number }} like '%\_PROVISION\_FOR\_RECEIVABLES' escape '\'
            then 'provision'
        when {{ regexp_like(invoice_number, "'IPAPUS[0-9]+$'") }}
            then 'price_protection'
        when {{ regexp_like(invoice_number, "'^[0-9A-Z]{4}-[0-9A-Z]{8}$'") }}
            then 'coop'
        when {{ regexp_like(invoice_number, "'^.+SC(RSC)*R$'") }}
            then 'shortage_claim_reversal'
        when {{ regexp_like(invoice_number, "'^.+SC(RSC)*$'") }}
            then 'shortage_claim'
        when {{ regexp_like(invoice_number, "'^.+PC$'") }} then 'price_claim'
    end
{%- endmacro %}


{#-
    The invoice number a remittance line refers to: its number with the
    deduction suffix (as classified by remittance_deduction_type) removed. A
    number without a suffix, and a co-op number, is its own original.
-#}
{% macro remittance_original_invoice_number(invoice_number) -%}
    case
        when {{ invoice_number }} like '%VCBSINV%'
            then nullif(replace({{ invoice_number }}, 'VCBSINV', ''), '')
        when {{ invoice_number }} like '%\_PROVISION\_FOR\_RECEIVABLES%' escape '\'
            then {{ regexp_capture(
                invoice_number, "'^(.*)_PROVISION_FOR_RECEIVABLESR?$'", 1
            ) }}
        when {{ regexp_like(invoice_number, "'IPAPUS[0-9]+$'") }}
            then {{ regexp_capture(invoice_number, "'^(.*)IPAPUS[0-9]+$'", 1) }}
        when {{ regexp_like(invoice_number, "'^[0-9A-Z]{4}-[0-9A-Z]{8}$'") }}
            then {{ invoice_number }}
        when {{ regexp_like(invoice_number, "'^.+SC(RSC)*R?$'") }}
            then {{ regexp_capture(invoice_number, "'^(.+?)SC(RSC)*R?$'", 1) }}
        when {{ regexp_like(invoice_number, "'^.+PC$'") }}
            then {{ regexp_capture(invoice_number, "'^(.+)PC$'", 1) }}
        else {{ invoice_number }}
    end
{%- endmacro %}
