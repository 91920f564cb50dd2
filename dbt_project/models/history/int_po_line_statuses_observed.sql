-- One row per account, purchase order and item: the numbers the PO line status
-- history keeps, stamped with the moment this build judges the marts as of. The
-- input of snapshot po_line_status_history; rows only when that moment is later
-- than every version already recorded (see snapshots/_snapshots.yml).

with

po_lines as (

    select * from {{ ref('fct_po_line_reconciliation') }}

),

clock as (

    select * from {{ ref('int_reconciliation_clock') }}

),

recorded as (

    {{ history_recorded_through('po_line_status_history') }}

),

final as (

    select
        po_lines.account_id,
        po_lines.purchase_order_number,
        po_lines.item_sequence_number,
        po_lines.purchase_order_state,
        po_lines.ordered_units,
        po_lines.accepted_units,
        po_lines.rejected_units,
        po_lines.cancelled_units,
        po_lines.received_units,
        po_lines.reconciliation_status,
        clock.as_of_at as observed_at
    from po_lines
    cross join clock
    cross join recorded
    where
        recorded.recorded_through is null
        or clock.as_of_at > recorded.recorded_through

)

select * from final
