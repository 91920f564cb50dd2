-- One row per account, source and window that an extraction read: what the
-- warehouse can show was asked of Amazon. Windows come from the loader's
-- checkpoints where the warehouse has them, and from the windows stamped on
-- landed document rows in any case (loads made before checkpoints existed).
-- A table that is not there yet contributes nothing instead of failing.
{%- set monitored_sources = var(
    'monitored_sources', ['purchase_orders', 'purchase_order_statuses']
) %}
{%- set checkpoints = source('loader', 'extraction_checkpoints') %}
{%- set landed_tables = {} %}
{%- for source_name in monitored_sources %}
    {%- do landed_tables.update({source_name: source('spapi', source_name)}) %}
{%- endfor %}
{#- Only relations that exist are read; at parse time nothing exists. #}
{%- set existing = [] %}
{%- if execute %}
    {%- for relation in [checkpoints] + landed_tables.values() | list %}
        {%- if adapter.get_relation(
            database=relation.database,
            schema=relation.schema,
            identifier=relation.identifier,
        ) is not none %}
            {%- do existing.append(relation.identifier) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}
{%- set no_windows %}
(
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as source,
        cast(null as timestamp with time zone) as window_start,
        cast(null as timestamp with time zone) as window_end
    where false
)
{%- endset %}
{%- set source_list -%}
    {%- for source_name in monitored_sources %}
            '{{ source_name }}'{{ "," if not loop.last }}
    {%- endfor %}
{%- endset %}
{%- set landed_selects = [] %}
{%- for source_name, relation in landed_tables.items() | sort %}
    {%- if relation.identifier in existing %}
        {%- do landed_selects.append(
            "select distinct account_id, '" ~ source_name ~ "' as source, "
            ~ "window_start, window_end from " ~ relation
        ) %}
    {%- endif %}
{%- endfor %}
{%- set landed_rows = (
    "(" ~ landed_selects | join(" union all ") ~ ")"
    if landed_selects else no_windows
) %}

with

checkpoint_windows as (

    select
        account_id,
        source,
        window_start as window_start_at,
        window_end as window_end_at,
        'extraction_checkpoint' as evidence
    from
        {{ checkpoints if checkpoints.identifier in existing else no_windows }}
            as checkpoint_rows

),

landed_windows as (

    select
        account_id,
        source,
        window_start as window_start_at,
        window_end as window_end_at,
        'landed_rows' as evidence
    from {{ landed_rows }} as landed_rows

),

unioned as (

    select * from checkpoint_windows
    union all
    select * from landed_windows

),

final as (

    select
        account_id,
        source,
        window_start_at,
        window_end_at,
        bool_or(evidence = 'extraction_checkpoint') as has_checkpoint,
        bool_or(evidence = 'landed_rows') as has_landed_rows
    from unioned
    where
        source in ({{ source_list }}
        )
        and window_start_at is not null
        and window_end_at > window_start_at
    group by
        account_id,
        source,
        window_start_at,
        window_end_at

)

select * from final
