{#-
    The version to keep of each document an incremental staging model rebuilds
    (documents_to_rebuild): the raw rows ranked by `version_rank`, a window
    expression over the raw columns, rank 1 kept. `history_columns` maps names
    to further window expressions, computed over all of a document's versions
    before the one to keep is picked (when an ASN was first confirmed, say).
    The rows keep the raw columns, plus version_rank and the history columns.
-#}
{% macro latest_document_versions(
    raw_relation,
    incremental,
    version_rank,
    document_columns=['account_id', 'document_key'],
    built_column='load_id',
    history_columns={}
) -%}
    select * from (
        select
            versions.*,
            {%- for name, expression in history_columns.items() %}
            {{ expression }} as {{ name }},
            {%- endfor %}
            {{ version_rank }} as version_rank
        from (
            {{ documents_to_rebuild(
                raw_relation, incremental, document_columns, built_column
            ) }}
        ) as versions
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}
