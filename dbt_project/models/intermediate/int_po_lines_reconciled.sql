-- One row per PO line: ordered, acknowledged and received (Amazon), shipped (the
-- vendor's ASNs), invoiced (counted invoices), paid (Amazon's invoice view) and
-- deducted (remittances), with the shortage, overage and price variance they
-- imply. Money is rounded to the currency's minor unit.

with

po_lines as (

    select * from {{ ref('int_po_lines_joined_to_statuses') }}

),

shipments as (

    select * from {{ ref('int_po_lines_joined_to_shipments') }}

),

invoice_items as (

    select * from {{ ref('int_invoice_items_matched_to_po_lines') }}

),

finance_items as (

    select * from {{ ref('int_finance_items_matched_to_po_lines') }}

),

deductions as (

    select * from {{ ref('int_remittance_deductions_traced_to_po_lines') }}

),

quantities as (

    select
        account_id,
        region,
        vendor_code,
        purchase_order_number,
        item_sequence_number,
        asin,
        vendor_sku,
        purchase_order_at,
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
        confirmation_status,
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
        last_received_at,
        status_last_updated_at,
        order_payload_sha256,
        order_snapshot_file,
        status_payload_sha256,
        status_snapshot_file
    from po_lines

),

invoiced as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        cast(sum(invoiced_units) as integer) as invoiced_units,
        sum(invoiced_amount) as invoiced_amount,
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date,
        min(invoice_number) as first_invoice_number,
        min(payload_sha256) as first_invoice_payload_sha256,
        min(snapshot_file) as first_invoice_snapshot_file
    from invoice_items
    where is_matched_to_po_line
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

paid as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        sum(paid_amount) as paid_amount
    from finance_items
    where is_matched_to_po_line
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

deducted as (

    select
        account_id,
        purchase_order_number,
        item_sequence_number,
        sum(deducted_amount) as deducted_amount
    from deductions
    group by
        account_id,
        purchase_order_number,
        item_sequence_number

),

joined as (

    select
        quantities.*,
        -- The vendor's own documents are all in the inbox: no ASN, invoice,
        -- payment or deduction naming the line means 0, not unknown.
        coalesce(shipments.shipped_units, 0) as shipped_units,
        coalesce(shipments.shipment_count, 0) as shipment_count,
        shipments.first_shipment_confirmed_at,
        coalesce(invoiced.invoiced_units, 0) as invoiced_units,
        {{ round_money(
            'coalesce(invoiced.invoiced_amount, 0)', 'quantities.currency_code'
        ) }} as invoiced_amount,
        invoiced.first_invoice_date,
        invoiced.last_invoice_date,
        invoiced.first_invoice_number,
        invoiced.first_invoice_payload_sha256,
        invoiced.first_invoice_snapshot_file,
        {{ round_money('coalesce(paid.paid_amount, 0)', 'quantities.currency_code') }}
            as paid_amount,
        {{ round_money(
            'coalesce(deducted.deducted_amount, 0)', 'quantities.currency_code'
        ) }} as deducted_amount,
        -- What must be received and invoiced: the accepted eaches, at most the
        -- eaches still ordered; unknown while the line is unacknowledged.
        -- (least() skips nulls, so the unknown case is spelled out.)
        case
            when quantities.accepted_units is not null
                then least(quantities.accepted_units, quantities.ordered_units)
        end as expected_units
    from quantities
    left join shipments
        on
            quantities.account_id = shipments.account_id
            and quantities.purchase_order_number = shipments.purchase_order_number
            and quantities.item_sequence_number = shipments.item_sequence_number
    left join invoiced
        on
            quantities.account_id = invoiced.account_id
            and quantities.purchase_order_number = invoiced.purchase_order_number
            and quantities.item_sequence_number = invoiced.item_sequence_number
    left join paid
        on
            quantities.account_id = paid.account_id
            and quantities.purchase_order_number = paid.purchase_order_number
            and quantities.item_sequence_number = paid.item_sequence_number
    left join deducted
        on
            quantities.account_id = deducted.account_id
            and quantities.purchase_order_number = deducted.purchase_order_number
            and quantities.item_sequence_number = deducted.item_sequence_number

),

unit_costs as (

    select
        *,
        {{ divide_money('invoiced_amount', 'invoiced_units', 'currency_code') }}
            as invoiced_unit_cost,
        -- An unknown receipt counts as nothing received yet.
        greatest(invoiced_units - coalesce(received_units, 0), 0)
            as shortage_units,
        greatest(coalesce(received_units, 0) - coalesce(accepted_units, 0), 0)
            as overage_units,
        {{ round_money(
            'invoiced_amount - invoiced_units * po_unit_cost', 'currency_code'
        ) }} as price_variance_amount
    from joined

),

final as (

    select
        *,
        {{ round_money(
            'shortage_units * coalesce(invoiced_unit_cost, 0)', 'currency_code'
        ) }} as shortage_amount
    from unit_costs

)

select * from final
