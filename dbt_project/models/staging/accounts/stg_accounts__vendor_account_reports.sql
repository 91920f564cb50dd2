-- One row per vendor account and report type it reads, from the latest load
-- of the accounts file: which report documents monitoring should expect.
-- A warehouse made before the loader kept them has none to expect.
{%- set account_reports = source('accounts', 'vendor_account_reports') %}
{%- set has_reports = execute and adapter.get_relation(
    database=account_reports.database,
    schema=account_reports.schema,
    identifier=account_reports.identifier,
) is not none %}
{%- set no_reports = empty_relation({
    'varchar': ['account_id', 'report_type', 'report_period'],
    'timestamp with time zone': ['loaded_at'],
}) %}

with

source as (

    select *
    from {{ account_reports if has_reports else no_reports }} as account_reports

),

ranked as (

    select
        *,
        rank() over (
            partition by account_id
            order by loaded_at desc
        ) as load_rank
    from source

),

final as (

    select
        account_id,
        report_type,
        report_period,
        loaded_at
    from ranked
    where load_rank = 1

)

select * from final
