-- One row: the moment the reconciliation is made as of. Rules that depend on time
-- ("24 h after", "past due", "14 days after the last receipt") read it here, so a
-- rebuild over the same raw rows gives the same marts. The `as_of` var (an ISO
-- 8601 timestamp) sets it; without it, the latest extraction of Amazon's data.
{%- set as_of = var('as_of', none) %}
{%- set as_of_literal = "'" ~ as_of ~ "'" if as_of else 'null' %}

with

purchase_orders as (

    select * from {{ ref('stg_spapi__purchase_orders') }}

),

line_statuses as (

    select * from {{ ref('stg_spapi__purchase_order_line_statuses') }}

),

extractions as (

    select purchase_orders.extracted_at from purchase_orders
    union all
    select line_statuses.extracted_at from line_statuses

),

clock as (

    -- An aggregate without group by: exactly one row, even with no extraction.
    select
        coalesce(
            cast({{ as_of_literal }} as timestamp with time zone),
            max(extractions.extracted_at)
        ) as as_of_at
    from extractions

),

final as (

    select
        as_of_at,
        cast(as_of_at at time zone 'UTC' as date) as as_of_date
    from clock

)

select * from final
