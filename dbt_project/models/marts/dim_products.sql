-- One row per account and ASIN ordered: the vendor SKU, the latest net cost and
-- list price, and when Amazon first and last ordered it.

with

order_lines as (

    select * from {{ ref('stg_spapi__purchase_order_lines') }}

),

purchase_orders as (

    select * from {{ ref('stg_spapi__purchase_orders') }}

),

dated_lines as (

    select
        order_lines.account_id,
        order_lines.asin,
        order_lines.vendor_sku,
        order_lines.net_cost_amount,
        order_lines.net_cost_currency_code,
        order_lines.net_cost_unit_of_measure,
        order_lines.list_price_amount,
        order_lines.list_price_currency_code,
        purchase_orders.purchase_order_date,
        row_number() over (
            partition by order_lines.account_id, order_lines.asin
            order by
                purchase_orders.purchase_order_at desc nulls last,
                order_lines.purchase_order_number desc,
                order_lines.item_sequence_number desc
        ) as recency_rank
    from order_lines
    left join purchase_orders
        on
            order_lines.account_id = purchase_orders.account_id
            and order_lines.purchase_order_number
            = purchase_orders.purchase_order_number
    where order_lines.asin is not null

),

order_history as (

    select
        account_id,
        asin,
        min(purchase_order_date) as first_ordered_date,
        max(purchase_order_date) as last_ordered_date,
        cast(count(*) as integer) as po_line_count
    from dated_lines
    group by
        account_id,
        asin

),

final as (

    select
        dated_lines.account_id,
        dated_lines.asin,
        dated_lines.vendor_sku,
        dated_lines.net_cost_amount as latest_net_cost_amount,
        dated_lines.net_cost_currency_code as currency_code,
        dated_lines.net_cost_unit_of_measure,
        dated_lines.list_price_amount as latest_list_price_amount,
        order_history.first_ordered_date,
        order_history.last_ordered_date,
        order_history.po_line_count
    from dated_lines
    inner join order_history
        on
            dated_lines.account_id = order_history.account_id
            and dated_lines.asin = order_history.asin
    where dated_lines.recency_rank = 1

)

select * from final
