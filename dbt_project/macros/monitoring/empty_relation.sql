{#-
    A relation with typed columns and no rows, in parentheses, to select from
    in place of one that is not built yet (or lacks the columns a model reads).
    `columns` maps each SQL type to the names of its columns.
-#}
{% macro empty_relation(columns) -%}
    {%- set casts = [] -%}
    {%- for type, names in columns.items() -%}
        {%- for name in names -%}
            {%- do casts.append('cast(null as ' ~ type ~ ') as ' ~ name) -%}
        {%- endfor -%}
    {%- endfor %}
(
    select
        {{ casts | join(',\n        ') }}
    where false
)
{%- endmacro %}
