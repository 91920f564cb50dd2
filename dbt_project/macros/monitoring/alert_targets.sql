{#-
    The columns of an alert that say what it is about and what is at stake:
    account_id, purchase_order_number, item_sequence_number, invoice_number,
    source_name, money_at_stake, currency_code and deadline_date, in the order
    every alert kind's select hands them to the union. `columns` maps those the
    kind has to their SQL expressions; the others are typed nulls.
-#}
{% macro alert_targets(columns={}) -%}
    {%- set types = {
        'account_id': 'varchar',
        'purchase_order_number': 'varchar',
        'item_sequence_number': 'varchar',
        'invoice_number': 'varchar',
        'source_name': 'varchar',
        'money_at_stake': 'decimal(18, 4)',
        'currency_code': 'varchar',
        'deadline_date': 'date',
    } -%}
    {%- for name in columns if name not in types -%}
        {{ exceptions.raise_compiler_error('alert_targets has no column ' ~ name) }}
    {%- endfor %}
    {%- for name, type in types.items() %}
        {{ columns.get(name, 'cast(null as ' ~ type ~ ')') }} as {{ name }}
        {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
