-- One row per reconciliation exception (docs/reconciliation-rules.md): its type,
-- the documents' keys, the money at stake in the document's and the reporting
-- currency, when it was detected, its dispute deadline and the raw document
-- that shows it.

{%- set PO_LINE = ['purchase_order_number', 'item_sequence_number'] %}

with

po_lines as (

    select * from {{ ref('int_po_lines_reconciled') }}

),

invoices_counted as (

    select * from {{ ref('int_invoices_counted') }}

),

invoice_items as (

    select * from {{ ref('int_invoice_items_matched_to_po_lines') }}

),

invoices as (

    select * from {{ ref('fct_invoice_reconciliation') }}

),

remittance_lines as (

    select * from {{ ref('fct_remittance_lines') }}

),

vendor_accounts as (

    select * from {{ ref('stg_accounts__vendor_accounts') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

clock as (

    select * from {{ ref('int_reconciliation_clock') }}

),

shortages as (

    select
        'shortage' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        po_lines.shortage_amount as amount_at_stake,
        greatest(
            po_lines.last_invoice_date, cast(po_lines.last_received_at as date)
        ) as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('invoice') }}
    from po_lines
    cross join clock
    where
        po_lines.shortage_units > 0
        and (
            po_lines.purchase_order_state = 'Closed'
            or po_lines.last_received_at
            < {{ dbt.dateadd(
                'day',
                -var('receiving_closed_after_days', 14),
                'clock.as_of_at'
            ) }}
        )

),

over_receipts as (

    select
        'over_receipt' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        {{ round_money(
            'po_lines.overage_units * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as amount_at_stake,
        cast(po_lines.last_received_at as date) as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('status') }}
    from po_lines
    where po_lines.overage_units > 0

),

price_variances as (

    select
        'price_variance' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        abs(po_lines.price_variance_amount) as amount_at_stake,
        po_lines.last_invoice_date as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('invoice') }}
    from po_lines
    where
        abs(po_lines.price_variance_amount)
        > {{ var('price_tolerance_per_unit', 0.01) }} * po_lines.invoiced_units

),

invoiced_cancelled_units as (

    select
        'invoiced_cancelled_units' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        {{ round_money(
            '(po_lines.invoiced_units - po_lines.ordered_units)'
            ~ ' * coalesce(po_lines.invoiced_unit_cost, 0)',
            'po_lines.currency_code'
        ) }} as amount_at_stake,
        po_lines.last_invoice_date as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('invoice') }}
    from po_lines
    where
        po_lines.invoiced_units > po_lines.ordered_units
        and po_lines.cancelled_units > 0

),

asn_receipt_mismatches as (

    select
        'asn_receipt_mismatch' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        {{ round_money(
            'abs(po_lines.shipped_units - coalesce(po_lines.received_units, 0))'
            ~ ' * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as amount_at_stake,
        cast(
            coalesce(po_lines.status_last_updated_at, po_lines.last_received_at)
            as date
        ) as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('status') }}
    from po_lines
    where
        po_lines.purchase_order_state = 'Closed'
        and po_lines.shipped_units <> coalesce(po_lines.received_units, 0)

),

late_or_missing_asns as (

    select
        'late_or_missing_asn' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        {{ round_money(
            'po_lines.expected_units * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as amount_at_stake,
        cast(po_lines.ship_window_end_at as date) as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('order') }}
    from po_lines
    cross join clock
    where
        po_lines.expected_units > 0
        and po_lines.ship_window_end_at < clock.as_of_at
        and (
            po_lines.first_shipment_confirmed_at is null
            or po_lines.first_shipment_confirmed_at > po_lines.ship_window_end_at
        )

),

unacknowledged_lines as (

    select
        'unacknowledged_po' as exception_type,
        po_lines.account_id,
        po_lines.vendor_code,
        {{ exception_keys('po_lines', PO_LINE) }},
        po_lines.currency_code,
        {{ round_money(
            'po_lines.ordered_units * po_lines.po_unit_cost',
            'po_lines.currency_code'
        ) }} as amount_at_stake,
        cast(
            {{ dbt.dateadd('hour', 24, 'po_lines.purchase_order_at') }} as date
        ) as detected_date,
        cast(null as date) as dispute_basis_date,
        {{ po_line_evidence('order') }}
    from po_lines
    cross join clock
    where
        -- Unknown acceptance: no acknowledgement yet, or still UNCONFIRMED.
        po_lines.accepted_units is null
        and {{ dbt.dateadd('hour', 24, 'po_lines.purchase_order_at') }}
        < clock.as_of_at

),

duplicate_invoices as (

    select
        'duplicate_invoice_number' as exception_type,
        invoices_counted.account_id,
        invoices_counted.vendor_code,
        {{ exception_keys(
            'invoices_counted',
            ['invoice_number'],
            detail_key='invoices_counted.payload_sha256',
        ) }},
        invoices_counted.currency_code,
        {{ round_money(
            'invoices_counted.invoice_total_amount',
            'invoices_counted.currency_code'
        ) }} as amount_at_stake,
        invoices_counted.invoice_date as detected_date,
        cast(null as date) as dispute_basis_date,
        'vendor_invoices' as evidence_table,
        invoices_counted.payload_sha256,
        invoices_counted.snapshot_file
    from invoices_counted
    where not invoices_counted.is_counted

),

unmatched_invoice_items as (

    select
        'invoice_unmatched_po' as exception_type,
        invoice_items.account_id,
        invoice_items.vendor_code,
        {{ exception_keys(
            'invoice_items',
            ['purchase_order_number', 'invoice_number'],
            detail_key='invoice_items.invoice_item_sequence_number',
        ) }},
        invoice_items.currency_code,
        {{ round_money(
            'abs(invoice_items.invoiced_amount)', 'invoice_items.currency_code'
        ) }} as amount_at_stake,
        invoice_items.invoice_date as detected_date,
        cast(null as date) as dispute_basis_date,
        'vendor_invoices' as evidence_table,
        invoice_items.payload_sha256,
        invoice_items.snapshot_file
    from invoice_items
    where not invoice_items.is_matched_to_po_line

),

unpaid_invoices as (

    select
        'unpaid_past_due' as exception_type,
        invoices.account_id,
        invoices.vendor_code,
        {{ exception_keys('invoices', ['invoice_number']) }},
        invoices.currency_code,
        invoices.remaining_amount as amount_at_stake,
        cast({{ dbt.dateadd('day', 1, 'invoices.payment_due_date') }} as date)
            as detected_date,
        cast(null as date) as dispute_basis_date,
        -- Amazon's view of the invoice when it has one, else the vendor's.
        case
            when invoices.amazon_payload_sha256 is null then 'vendor_invoices'
            else 'finance_invoices'
        end as evidence_table,
        coalesce(invoices.amazon_payload_sha256, invoices.payload_sha256)
            as payload_sha256,
        case
            when invoices.amazon_payload_sha256 is null then invoices.snapshot_file
            else invoices.amazon_snapshot_file
        end as snapshot_file
    from invoices
    where invoices.is_overdue

),

rejected_invoices as (

    select
        'invoice_rejected' as exception_type,
        invoices.account_id,
        invoices.vendor_code,
        {{ exception_keys('invoices', ['invoice_number']) }},
        invoices.currency_code,
        invoices.invoice_total_amount as amount_at_stake,
        cast(invoices.amazon_last_updated_at as date) as detected_date,
        cast(null as date) as dispute_basis_date,
        'finance_invoices' as evidence_table,
        invoices.amazon_payload_sha256 as payload_sha256,
        invoices.amazon_snapshot_file as snapshot_file
    from invoices
    where invoices.amazon_invoice_status = 'REJECTED'

),

deductions as (

    select
        'deduction' as exception_type,
        remittance_lines.account_id,
        remittance_lines.invoice_vendor_code as vendor_code,
        {{ exception_keys(
            'remittance_lines',
            ['invoice_number', 'payment_number', 'deduction_type'],
            detail_key='remittance_lines.remittance_line_id',
        ) }},
        remittance_lines.currency_code,
        abs(remittance_lines.amount_paid) as amount_at_stake,
        remittance_lines.payment_date as detected_date,
        -- Price claims are disputed from the invoice's due date, chargebacks
        -- and shortage claims from the payment that deducted them.
        case
            when remittance_lines.deduction_type = 'price_claim'
                then invoices.payment_due_date
            else remittance_lines.payment_date
        end as dispute_basis_date,
        'remittance_lines' as evidence_table,
        remittance_lines.payload_sha256,
        remittance_lines.snapshot_file
    from remittance_lines
    left join invoices
        on
            remittance_lines.account_id = invoices.account_id
            and remittance_lines.invoice_vendor_code = invoices.vendor_code
            and remittance_lines.original_invoice_number = invoices.invoice_number
    where remittance_lines.is_deduction

),

unioned as (

    select * from shortages
    union all
    select * from over_receipts
    union all
    select * from price_variances
    union all
    select * from duplicate_invoices
    union all
    select * from unmatched_invoice_items
    union all
    select * from invoiced_cancelled_units
    union all
    select * from asn_receipt_mismatches
    union all
    select * from late_or_missing_asns
    union all
    select * from unacknowledged_lines
    union all
    select * from unpaid_invoices
    union all
    select * from rejected_invoices
    union all
    select * from deductions

),

dated as (

    select
        unioned.*,
        case unioned.deduction_type
            {%- for deduction_type, days in var('dispute_window_days', {
                'chargeback': 30, 'shortage_claim': 30, 'price_claim': 30,
            }).items() | sort %}
                when '{{ deduction_type }}'
                    then cast(
                        {{ dbt.dateadd('day', days, 'unioned.dispute_basis_date') }}
                        as date
                    )
            {%- endfor %}
        end as dispute_deadline_date
    from unioned

),

reported as (

    select
        dated.*,
        coalesce(
            vendor_accounts.reporting_currency_code, dated.currency_code
        ) as reporting_currency_code,
        case
            when
                coalesce(vendor_accounts.reporting_currency_code, dated.currency_code)
                = dated.currency_code
                then dated.amount_at_stake
            else
                {{ round_money(
                    'dated.amount_at_stake * fx_rates.rate',
                    'vendor_accounts.reporting_currency_code'
                ) }}
        end as amount_at_stake_reporting
    from dated
    left join vendor_accounts
        on dated.account_id = vendor_accounts.account_id
    left join fx_rates
        on
            dated.currency_code = fx_rates.from_currency_code
            and vendor_accounts.reporting_currency_code = fx_rates.to_currency_code
            and dated.detected_date >= fx_rates.valid_from_date
            and (
                dated.detected_date < fx_rates.valid_to_date
                or fx_rates.valid_to_date is null
            )

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'reported.exception_type',
            "'|'", 'reported.account_id',
            "'|'", "coalesce(reported.vendor_code, '')",
            "'|'", "coalesce(reported.purchase_order_number, '')",
            "'|'", "coalesce(reported.item_sequence_number, '')",
            "'|'", "coalesce(reported.invoice_number, '')",
            "'|'", "coalesce(reported.payment_number, '')",
            "'|'", "coalesce(reported.exception_detail_key, '')",
        ])) }} as exception_id,
        reported.exception_type,
        reported.account_id,
        reported.vendor_code,
        reported.purchase_order_number,
        reported.item_sequence_number,
        reported.invoice_number,
        reported.payment_number,
        reported.deduction_type,
        reported.exception_detail_key,
        reported.currency_code,
        -- The union's money is cast once, to the declared scale, here.
        cast(reported.amount_at_stake as decimal(18, 4)) as amount_at_stake,
        reported.reporting_currency_code,
        cast(reported.amount_at_stake_reporting as decimal(18, 4))
            as amount_at_stake_reporting,
        reported.detected_date,
        reported.dispute_deadline_date,
        case
            when reported.dispute_deadline_date < clock.as_of_date then 'expired'
            else 'open'
        end as status,
        reported.evidence_table,
        reported.payload_sha256,
        reported.snapshot_file
    from reported
    cross join clock

)

select * from final
