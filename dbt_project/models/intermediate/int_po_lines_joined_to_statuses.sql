-- One row per account, purchase order and item: each order line beside its
-- order header, its order's latest status and its own latest line status.

with

order_lines as (

    select * from {{ ref('stg_spapi__purchase_order_lines') }}

),

purchase_orders as (

    select * from {{ ref('stg_spapi__purchase_orders') }}

),

line_statuses as (

    select * from {{ ref('stg_spapi__purchase_order_line_statuses') }}

),

line_statuses_acknowledged as (

    select
        *,
        -- A line counts as acknowledged once Amazon reports a confirmation
        -- other than UNCONFIRMED, an accepted or rejected quantity, or a date.
        coalesce(confirmation_status <> 'UNCONFIRMED', false)
        or coalesce(accepted_units, 0) + coalesce(rejected_units, 0) > 0
        or last_acknowledged_at is not null as is_acknowledged
    from line_statuses

),

order_statuses as (

    -- The status document is per order: every line repeats its header fields.
    select
        account_id,
        purchase_order_number,
        purchase_order_status,
        status_last_updated_at,
        {{ dbt.bool_or('is_acknowledged') }} as has_acknowledged_line
    from line_statuses_acknowledged
    group by
        account_id,
        purchase_order_number,
        purchase_order_status,
        status_last_updated_at

),

joined as (

    select
        order_lines.account_id,
        order_lines.purchase_order_number,
        order_lines.item_sequence_number,
        purchase_orders.region,
        purchase_orders.marketplace_id,
        purchase_orders.vendor_code,
        purchase_orders.purchase_order_type,
        purchase_orders.purchase_order_state as order_purchase_order_state,
        purchase_orders.purchase_order_at,
        purchase_orders.purchase_order_date,
        purchase_orders.ship_window_start_at,
        purchase_orders.ship_window_end_at,
        purchase_orders.delivery_window_start_at,
        purchase_orders.delivery_window_end_at,
        order_lines.asin,
        order_lines.vendor_sku,
        order_lines.ordered_units as order_line_ordered_units,
        order_lines.is_back_order_allowed,
        order_lines.net_cost_amount,
        order_lines.net_cost_currency_code,
        order_lines.net_cost_unit_of_measure,
        order_lines.list_price_amount,
        order_lines.list_price_currency_code,
        order_statuses.purchase_order_status,
        order_statuses.status_last_updated_at,
        coalesce(order_statuses.has_acknowledged_line, false)
            as has_acknowledged_line,
        line_statuses.item_sequence_number is not null as has_line_status,
        line_statuses.ordered_units as status_ordered_units,
        line_statuses.cancelled_units,
        line_statuses.confirmation_status,
        line_statuses.accepted_units,
        line_statuses.rejected_units,
        line_statuses.last_acknowledged_at,
        line_statuses.receive_status,
        line_statuses.received_units,
        line_statuses.last_received_at,
        purchase_orders.payload_sha256 as order_payload_sha256,
        purchase_orders.snapshot_file as order_snapshot_file,
        line_statuses.payload_sha256 as status_payload_sha256,
        line_statuses.snapshot_file as status_snapshot_file
    from order_lines
    left join purchase_orders
        on
            order_lines.account_id = purchase_orders.account_id
            and order_lines.purchase_order_number
            = purchase_orders.purchase_order_number
    left join order_statuses
        on
            order_lines.account_id = order_statuses.account_id
            and order_lines.purchase_order_number
            = order_statuses.purchase_order_number
    -- Amazon pads item numbers in some documents ("00001") and not in others.
    left join line_statuses
        on
            order_lines.account_id = line_statuses.account_id
            and order_lines.purchase_order_number
            = line_statuses.purchase_order_number
            and ltrim(order_lines.item_sequence_number, '0')
            = ltrim(line_statuses.item_sequence_number, '0')

),

final as (

    select * from joined

)

select * from final
