{#-
    Exact decimal division rounded half away from zero to `scale` decimals, as
    decimal(18, 4); null when the denominator is 0 or null. Both operands may
    carry up to 8 decimals (money and costs carry 4).

    PostgreSQL divides numerics exactly. DuckDB returns a double for a decimal
    division, so its branch divides scaled integers instead.
-#}
{% macro divide_rounded(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('divide_rounded', 'vendor_recon')(
        numerator, denominator, scale
    )) }}
{%- endmacro %}

{% macro default__divide_rounded(numerator, denominator, scale) -%}
    cast(
        round(
            cast({{ numerator }} as numeric)
            / nullif(cast({{ denominator }} as numeric), 0),
            {{ scale }}
        )
        as decimal(18, 4)
    )
{%- endmacro %}

{% macro duckdb__divide_rounded(numerator, denominator, scale) -%}
    {%- set n = 'cast(round(cast(' ~ numerator ~ ' as decimal(38, 8)) * 100000000, 0)'
        ~ ' as hugeint)' -%}
    {%- set d = 'cast(round(cast(' ~ denominator ~ ' as decimal(38, 8)) * 100000000, 0)'
        ~ ' as hugeint)' -%}
    cast(
        sign({{ n }}) * sign(nullif({{ d }}, 0))
        * (
            (2 * abs({{ n }}) * {{ 10 ** scale }} + abs(nullif({{ d }}, 0)))
            // (2 * abs(nullif({{ d }}, 0)))
        )
        * cast('{{ '1' if scale == 0 else '0.' ~ '0' * (scale - 1) ~ '1' }}'
            as decimal(18, {{ scale }}))
        as decimal(18, 4)
    )
{%- endmacro %}
