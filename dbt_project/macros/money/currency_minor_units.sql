{#-
    ISO 4217 minor units: how many decimals a currency's money is rounded to.
    Only the currencies that differ from the usual 2 are listed; any other code
    rounds to 2. Override or extend with the `currency_minor_units` var.
-#}
{% macro currency_minor_units() -%}
    {%- set defaults = {
        'BIF': 0, 'CLP': 0, 'DJF': 0, 'GNF': 0, 'ISK': 0, 'JPY': 0, 'KMF': 0,
        'KRW': 0, 'PYG': 0, 'RWF': 0, 'UGX': 0, 'VND': 0, 'VUV': 0, 'XAF': 0,
        'XOF': 0, 'XPF': 0,
        'BHD': 3, 'IQD': 3, 'JOD': 3, 'KWD': 3, 'LYD': 3, 'OMR': 3, 'TND': 3,
    } -%}
    {%- set minor_units = defaults.copy() -%}
    {%- do minor_units.update(var('currency_minor_units', {})) -%}
    {{ return(minor_units) }}
{%- endmacro %}


{#-
    Round a money expression to its currency's minor unit, half away from zero
    (Python's ROUND_HALF_UP), as decimal(18, 4). Each branch rounds to a constant
    number of decimals, which every database accepts.
-#}
{% macro round_money(amount, currency_code) -%}
    {%- set by_scale = {} -%}
    {%- for code, scale in currency_minor_units().items() if scale != 2 -%}
        {%- do by_scale.setdefault(scale, []).append(code) -%}
    {%- endfor -%}
    {#- Each branch is cast on its own: a case over decimals of different
        scales may otherwise settle on a type with no decimals at all. #}
    case
        {%- for scale, codes in by_scale | dictsort %}
        when {{ currency_code }} in ('{{ codes | sort | join("', '") }}')
            then cast(round({{ amount }}, {{ scale }}) as decimal(18, 4))
        {%- endfor %}
        else cast(round({{ amount }}, 2) as decimal(18, 4))
    end
{%- endmacro %}


{#-
    numerator / denominator rounded to the currency's minor unit, exactly (no
    floating point on the way): see divide_rounded.
-#}
{% macro divide_money(numerator, denominator, currency_code) -%}
    {%- set by_scale = {} -%}
    {%- for code, scale in currency_minor_units().items() if scale != 2 -%}
        {%- do by_scale.setdefault(scale, []).append(code) -%}
    {%- endfor -%}
    case
        {%- for scale, codes in by_scale | dictsort %}
        when {{ currency_code }} in ('{{ codes | sort | join("', '") }}')
            then {{ divide_rounded(numerator, denominator, scale) }}
        {%- endfor %}
        else {{ divide_rounded(numerator, denominator, 2) }}
    end
{%- endmacro %}
