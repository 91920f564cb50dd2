-- One row per account, purchase order and item: ordered, cancelled, accepted,
-- rejected, received, shipped, invoiced, paid and deducted, in eaches and in the
-- order's currency, and the line's reconciliation status.

with

po_lines as (

    select * from {{ ref('int_po_lines_reconciled') }}

),

exceptions as (

    select * from {{ ref('fct_reconciliation_exceptions') }}

),

line_exceptions as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        count(*) as open_exception_count
    from exceptions
    -- Line exceptions carry no dispute deadline: every one is open.
    where
        status = 'open'
        and item_sequence_number is not null
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

final as (

    select
        po_lines.account_id,
        po_lines.region,
        po_lines.vendor_code,
        po_lines.purchase_order_number,
        po_lines.item_sequence_number,
        po_lines.asin,
        po_lines.vendor_sku,
        po_lines.purchase_order_date,
        po_lines.purchase_order_state,
        po_lines.ship_window_end_at,
        po_lines.currency_code,
        po_lines.po_unit_cost,
        po_lines.ordered_units,
        po_lines.cancelled_units,
        po_lines.accepted_units,
        po_lines.rejected_units,
        po_lines.received_units,
        po_lines.last_received_at,
        po_lines.shipped_units,
        po_lines.invoiced_units,
        po_lines.invoiced_amount,
        po_lines.invoiced_unit_cost,
        po_lines.shortage_units,
        po_lines.shortage_amount,
        po_lines.overage_units,
        po_lines.price_variance_amount,
        po_lines.paid_amount,
        po_lines.deducted_amount,
        case
            when po_lines.ordered_units = 0 then 'cancelled'
            when
                coalesce(po_lines.purchase_order_state, '') <> 'Closed'
                and not coalesce(
                    coalesce(po_lines.received_units, 0) >= po_lines.expected_units
                    and po_lines.invoiced_units >= po_lines.expected_units,
                    false
                )
                then 'open'
            when line_exceptions.open_exception_count > 0 then 'exception'
            else 'matched'
        end as reconciliation_status
    from po_lines
    left join line_exceptions
        on
            po_lines.account_id = line_exceptions.account_id
            and po_lines.purchase_order_number
            = line_exceptions.purchase_order_number
            and po_lines.item_sequence_number
            = line_exceptions.item_sequence_number

)

select * from final
