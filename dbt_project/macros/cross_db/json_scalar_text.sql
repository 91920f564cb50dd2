{#-
    The text of a JSON scalar (a string unquoted, a number as written), e.g. an
    element yielded by json_array_elements: duckdb `->> '$'`, postgres `#>> '{}'`.
-#}
{% macro json_scalar_text(json_value) -%}
    {{ return(adapter.dispatch('json_scalar_text', 'vendor_recon')(json_value)) }}
{%- endmacro %}

{% macro default__json_scalar_text(json_value) -%}
    ({{ json_value }} #>> '{}')
{%- endmacro %}

{% macro duckdb__json_scalar_text(json_value) -%}
    ({{ json_value }} ->> '$')
{%- endmacro %}
