{#-
    Regular expressions (POSIX-style patterns without backslashes, so that they
    read the same on every database). `pattern` is a SQL string literal.
-#}
{% macro regexp_like(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'vendor_recon')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(expression, pattern) -%}
    ({{ expression }} ~ {{ pattern }})
{%- endmacro %}

{% macro duckdb__regexp_like(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}


{#-
    The text of capture group `group` of the first match; null without a match
    and for an empty group. duckdb's regexp_extract cannot tell the two apart
    (both are ''), so postgres, which can, returns null for both as well.
-#}
{% macro regexp_capture(expression, pattern, group) -%}
    {{ return(adapter.dispatch('regexp_capture', 'vendor_recon')(
        expression, pattern, group
    )) }}
{%- endmacro %}

{% macro default__regexp_capture(expression, pattern, group) -%}
    nullif((regexp_match({{ expression }}, {{ pattern }}))[{{ group }}], '')
{%- endmacro %}

{% macro duckdb__regexp_capture(expression, pattern, group) -%}
    nullif(regexp_extract({{ expression }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}
