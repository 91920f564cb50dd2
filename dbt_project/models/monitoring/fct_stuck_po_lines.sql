-- One row per PO line and reason it is stuck between two steps of the
-- PO-to-payment path: accepted but not shipped (no ASN) by the ship window,
-- accepted but not received well after it, received but not invoiced after
-- `stuck_invoice_after_days`, invoiced but not paid after its due date. A check
-- whose columns the mart does not have yet stays silent until they exist.
{%- set po_lines_relation = ref('fct_po_line_reconciliation') %}
{%- set columns = [] %}
{#- The lint templater's adapter stand-in has no get_columns_in_relation. #}
{%- if execute and adapter.get_columns_in_relation is defined %}
    {%- for column in adapter.get_columns_in_relation(po_lines_relation) %}
        {%- do columns.append(column.name | lower) %}
    {%- endfor %}
{%- endif %}
{#- A missing column reads as null, and its check as false. #}
{%- set optional_columns = {
    'shipped_units': 'integer',
    'invoiced_units': 'integer',
    'invoiced_amount': 'decimal(18, 4)',
    'paid_amount': 'decimal(18, 4)',
    'payment_due_date': 'date',
} %}
{%- set column = {} %}
{%- for name, data_type in optional_columns.items() %}
    {%- do column.update({name: (
        'po_lines.' ~ name if name in columns
        else 'cast(null as ' ~ data_type ~ ')'
    )}) %}
{%- endfor %}
{%- set can_check_shipping = 'shipped_units' in columns %}
{%- set can_check_invoicing = 'invoiced_units' in columns %}
{%- set can_check_payment = (
    'invoiced_amount' in columns
    and 'paid_amount' in columns
    and 'payment_due_date' in columns
) %}
{%- set as_of_at = (
    "cast('" ~ var('as_of') ~ "' as timestamp with time zone)"
    if var('as_of', none) else 'current_timestamp'
) %}

with

po_lines as (

    select * from {{ po_lines_relation }}

),

clock as (

    select {{ as_of_at }} as as_of_at

),

not_shipped as (

    select
        po_lines.account_id,
        po_lines.purchase_order_number,
        po_lines.item_sequence_number,
        'accepted_not_shipped' as stuck_reason,
        po_lines.ship_window_end_at as stuck_since_at,
        po_lines.currency_code,
        {{ round_money(
            'po_lines.accepted_units * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as money_at_stake
    from po_lines
    cross join clock
    where
        {{ can_check_shipping | lower }}
        and po_lines.accepted_units > 0
        and coalesce({{ column.shipped_units }}, 0) = 0
        and po_lines.ship_window_end_at < clock.as_of_at

),

not_received as (

    select
        po_lines.account_id,
        po_lines.purchase_order_number,
        po_lines.item_sequence_number,
        'accepted_not_received' as stuck_reason,
        {{ dbt.dateadd(
            'day',
            var('stuck_receipt_after_days', 14),
            'po_lines.ship_window_end_at',
        ) }} as stuck_since_at,
        po_lines.currency_code,
        {{ round_money(
            'po_lines.accepted_units * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as money_at_stake
    from po_lines
    cross join clock
    where
        po_lines.accepted_units > 0
        and coalesce(po_lines.received_units, 0) = 0
        and coalesce(po_lines.purchase_order_state, '') <> 'Closed'
        and {{ dbt.dateadd(
            'day',
            var('stuck_receipt_after_days', 14),
            'po_lines.ship_window_end_at',
        ) }} < clock.as_of_at

),

not_invoiced as (

    select
        po_lines.account_id,
        po_lines.purchase_order_number,
        po_lines.item_sequence_number,
        'received_not_invoiced' as stuck_reason,
        {{ dbt.dateadd(
            'day',
            var('stuck_invoice_after_days', 7),
            'po_lines.last_received_at',
        ) }} as stuck_since_at,
        po_lines.currency_code,
        {{ round_money(
            '(po_lines.received_units - coalesce('
            ~ column.invoiced_units ~ ', 0)) * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as money_at_stake
    from po_lines
    cross join clock
    where
        {{ can_check_invoicing | lower }}
        and po_lines.received_units > coalesce({{ column.invoiced_units }}, 0)
        and {{ dbt.dateadd(
            'day',
            var('stuck_invoice_after_days', 7),
            'po_lines.last_received_at',
        ) }} < clock.as_of_at

),

not_paid as (

    select
        po_lines.account_id,
        po_lines.purchase_order_number,
        po_lines.item_sequence_number,
        'invoiced_not_paid' as stuck_reason,
        cast({{ column.payment_due_date }} + 1 as timestamp) at time zone 'UTC'
            as stuck_since_at,
        po_lines.currency_code,
        {{ column.invoiced_amount }} - coalesce({{ column.paid_amount }}, 0)
            as money_at_stake
    from po_lines
    cross join clock
    where
        {{ can_check_payment | lower }}
        and {{ column.invoiced_amount }} > coalesce({{ column.paid_amount }}, 0)
        and cast({{ column.payment_due_date }} + 1 as timestamp) at time zone 'UTC'
        <= clock.as_of_at

),

unioned as (

    select * from not_shipped
    union all
    select * from not_received
    union all
    select * from not_invoiced
    union all
    select * from not_paid

),

final as (

    select
        md5(
            unioned.stuck_reason
            || '|' || unioned.account_id
            || '|' || unioned.purchase_order_number
            || '|' || unioned.item_sequence_number
        ) as stuck_po_line_id,
        unioned.account_id,
        unioned.purchase_order_number,
        cast(unioned.item_sequence_number as varchar) as item_sequence_number,
        unioned.stuck_reason,
        unioned.stuck_since_at,
        cast(
            {{ dbt.datediff('unioned.stuck_since_at', 'clock.as_of_at', 'day') }}
            as integer
        ) as days_stuck,
        unioned.currency_code,
        cast(unioned.money_at_stake as decimal(18, 4)) as money_at_stake,
        clock.as_of_at
    from unioned
    cross join clock

)

select * from final
