{#-
    Generic data test: no two rows share the same values in column_names.
    This is the primary-key test of models whose grain spans several columns.
-#}
{% test unique_combination(model, column_names) %}
    {%- set key_columns = column_names | join(', ') %}

    select
        {{ key_columns }},
        count(*) as row_count
    from {{ model }}
    group by {{ key_columns }}
    having count(*) > 1
{% endtest %}
