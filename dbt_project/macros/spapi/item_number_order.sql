{#-
    Sort key of an item number: numerically when it is a number ("00002" before
    "10"), which Amazon's documents pad in some places and not in others.
-#}
{% macro item_number_order(item_sequence_number) -%}
    {{ dbt.safe_cast(
        "nullif(ltrim(" ~ item_sequence_number ~ ", '0'), '')",
        'integer'
    ) }}
{%- endmacro %}
