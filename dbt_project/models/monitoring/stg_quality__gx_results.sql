-- One row per checkpoint run, layer, suite and expectation result, as
-- vendor_recon.quality stored it. Empty until the first checkpoint has run.
{%- set gx_results = source('quality', 'gx_results') %}
{%- set has_results = execute and adapter.get_relation(
    database=gx_results.database,
    schema=gx_results.schema,
    identifier=gx_results.identifier,
) is not none %}
{%- set no_results = empty_relation({
    'varchar': [
        'run_id', 'layer', 'suite_name', 'table_name', 'expectation_type',
        'severity', 'observed_value', 'exception_message',
    ],
    'varchar []': ['column_names'],
    'json': ['kwargs'],
    'boolean': ['success'],
    'bigint': ['unexpected_count', 'element_count'],
    'timestamp with time zone': ['validated_at'],
}) %}

with

source as (

    select * from {{ gx_results if has_results else no_results }} as results

),

final as (

    select
        run_id,
        layer,
        suite_name,
        table_name,
        expectation_type,
        array_to_string(column_names, ', ') as column_names,
        cast(kwargs as varchar) as kwargs,
        severity,
        success as is_success,
        unexpected_count,
        element_count,
        observed_value,
        exception_message,
        validated_at
    from source

)

select * from final
