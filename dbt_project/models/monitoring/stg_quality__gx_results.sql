-- One row per checkpoint run, layer, suite and expectation result, as
-- vendor_recon.quality stored it. Empty until the first checkpoint has run.
{%- set gx_results = source('quality', 'gx_results') %}
{%- set has_results = execute and adapter.get_relation(
    database=gx_results.database,
    schema=gx_results.schema,
    identifier=gx_results.identifier,
) is not none %}
{%- set no_results %}
(
    select
        cast(null as varchar) as run_id,
        cast(null as varchar) as layer,
        cast(null as varchar) as suite_name,
        cast(null as varchar) as table_name,
        cast(null as varchar) as expectation_type,
        cast(null as varchar []) as column_names,
        cast(null as json) as kwargs,
        cast(null as varchar) as severity,
        cast(null as boolean) as success,
        cast(null as bigint) as unexpected_count,
        cast(null as bigint) as element_count,
        cast(null as varchar) as observed_value,
        cast(null as varchar) as exception_message,
        cast(null as timestamp with time zone) as validated_at
    where false
)
{%- endset %}

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
