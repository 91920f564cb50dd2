{#-
    The select of one kind of an invoice's tax, charge or allowance details
    (taxDetails, chargeDetails, allowanceDetails): `keys` of `relation`, and
    the sum of the details' `amount_key` amounts as detail_amount, one row per
    keys that has any detail. `details_column` holds the JSON array.
-#}
{% macro invoice_detail_amounts(relation, details_column, amount_key, keys) -%}
    select
        {%- for key in keys %}
        {{ relation }}.{{ key }},
        {%- endfor %}
        sum(
            cast(detail.value -> '{{ amount_key }}' ->> 'amount' as decimal(18, 4))
        ) as detail_amount
    from {{ relation }}
    cross join
        {{ json_array_elements(relation ~ '.' ~ details_column) }} as detail
    group by
        {%- for key in keys %}
        {{ relation }}.{{ key }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}
