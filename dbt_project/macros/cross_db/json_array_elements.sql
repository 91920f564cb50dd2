{#-
    A set-returning function that yields one row per element of a JSON array,
    with the element in a column named `value`. Use it in a lateral join:
    `cross join lateral {{ json_array_elements("t.payload -> 'items'") }} as item`.
    A missing or null array yields no rows.
-#}
{% macro json_array_elements(json_array) -%}
    {{ return(adapter.dispatch('json_array_elements', 'vendor_recon')(json_array)) }}
{%- endmacro %}

{% macro default__json_array_elements(json_array) -%}
    json_array_elements(cast({{ json_array }} as json))
{%- endmacro %}

{% macro duckdb__json_array_elements(json_array) -%}
    json_each({{ json_array }})
{%- endmacro %}
