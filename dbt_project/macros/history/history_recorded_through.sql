{#-
    One row, one column `recorded_through`: the latest dbt_valid_from of the
    snapshot named `snapshot_name`, null while it has no table or no rows. The
    snapshot's input models read it to record forward only. The table is found
    through the graph, not ref(), which would make the snapshot its own parent.
-#}
{% macro history_recorded_through(snapshot_name) -%}
    {%- set history = none -%}
    {%- if execute -%}
        {%- set node = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'snapshot')
            | selectattr('name', 'equalto', snapshot_name)
            | first -%}
        {%- set history = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias
        ) -%}
    {%- endif -%}
    {%- if history is not none %}
        select max(dbt_valid_from) as recorded_through from {{ history }}
    {%- else %}
        select cast(null as timestamp with time zone) as recorded_through
    {%- endif %}
{%- endmacro %}
