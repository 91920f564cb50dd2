-- One row per account, purchase order and item: what Amazon ordered, cancelled,
-- accepted, rejected and received, in eaches, at the order's net unit cost.

with

po_lines as (

    select * from {{ ref('int_po_lines_joined_to_statuses') }}

),

reconciled as (

    select
        account_id,
        region,
        vendor_code,
        purchase_order_number,
        item_sequence_number,
        asin,
        vendor_sku,
        purchase_order_date,
        case
            when purchase_order_status = 'CLOSED' then 'Closed'
            when
                order_purchase_order_state = 'Acknowledged'
                or has_acknowledged_line
                then 'Acknowledged'
            else order_purchase_order_state
        end as purchase_order_state,
        ship_window_end_at,
        net_cost_currency_code as currency_code,
        net_cost_amount as po_unit_cost,
        -- The status carries the quantity after Amazon's later changes.
        case
            when has_line_status then status_ordered_units
            else order_line_ordered_units
        end as ordered_units,
        cancelled_units,
        -- Amazon reports zero accepted and rejected quantities while a line is
        -- UNCONFIRMED: they mean "not yet known", so they must not read as 0.
        case
            when confirmation_status = 'UNCONFIRMED' then null
            else accepted_units
        end as accepted_units,
        case
            when confirmation_status = 'UNCONFIRMED' then null
            else rejected_units
        end as rejected_units,
        received_units,
        last_received_at
    from po_lines

),

final as (

    -- Shipped, invoiced and paid quantities will join here, each from its own
    -- intermediate model at this same line grain.
    select * from reconciled

)

select * from final
