{#-
    The document keys of one exception row of fct_reconciliation_exceptions.
    Every exception type names a different subset of the keys (a PO line, an
    invoice, a payment line), and the union needs all of them: `columns` lists
    the keys `relation` has under the same name, `detail_key` is an expression
    that tells two exceptions of the same keys apart; the rest are null.
-#}
{% macro exception_keys(relation, columns=[], detail_key=none) -%}
    {%- for column in [
        'purchase_order_number', 'item_sequence_number', 'invoice_number',
        'payment_number', 'deduction_type',
    ] %}
        {% if column in columns -%}
            {{ relation }}.{{ column }}
        {%- else -%}
            cast(null as varchar) as {{ column }}
        {%- endif %},
    {%- endfor %}
        {{ detail_key or 'cast(null as varchar)' }} as exception_detail_key
{%- endmacro %}


{#-
    The raw document behind an exception on a PO line of int_po_lines_reconciled:
    its raw table, payload hash and snapshot file. `invoice` is the line's
    first vendor invoice, `status` Amazon's latest PO status, `order` the PO.
-#}
{% macro po_line_evidence(document, relation='po_lines') -%}
    {%- set evidence = {
        'invoice': ('vendor_invoices', 'first_invoice_'),
        'status': ('purchase_order_statuses', 'status_'),
        'order': ('purchase_orders', 'order_'),
    }[document] -%}
        '{{ evidence[0] }}' as evidence_table,
        {{ relation }}.{{ evidence[1] }}payload_sha256 as payload_sha256,
        {{ relation }}.{{ evidence[1] }}snapshot_file as snapshot_file
{%- endmacro %}
