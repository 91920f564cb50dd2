-- One row per alert someone should act on: late or stuck purchase orders,
-- rejected, stuck or overdue invoices, deductions whose dispute deadline is
-- near, gaps in the extractions and failed data-quality checks. alert_id is
-- stable (md5 of kind and keys); content_hash changes whenever what a reader
-- would be told changes, which is what the notifiers send on. The table keeps
-- history: an alert missing from a build is kept as resolved. A build as of
-- an older moment than the table has seen (a backfill, a rerun of old days)
-- only widens first_seen_at and last_seen_at: the latest build's statuses
-- and content stand, since that build knew more (docs/reconciliation-rules.md).
{{ config(
    materialized='incremental',
    unique_key='alert_id',
    incremental_strategy='delete+insert',
) }}
{%- set exceptions_relation = ref('fct_reconciliation_exceptions') %}
{%- set invoices_relation = ref('fct_invoice_reconciliation') %}
{%- set exception_columns = [] %}
{%- set invoice_columns = [] %}
{#- The lint templater's adapter stand-in has no get_columns_in_relation. #}
{%- if execute and adapter.get_columns_in_relation is defined %}
    {%- for relation, names in [
        (exceptions_relation, exception_columns),
        (invoices_relation, invoice_columns),
    ] %}
        {%- for column in adapter.get_columns_in_relation(relation) %}
            {%- do names.append(column.name | lower) %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}
{%- set has_exceptions = (
    'exception_type' in exception_columns
    and 'dispute_deadline_date' in exception_columns
) %}
{%- set has_invoice_statuses = (
    'amazon_invoice_status' in invoice_columns
    and 'invoice_date' in invoice_columns
    and 'is_overdue' in invoice_columns
) %}
{%- set as_of_at = (
    "cast('" ~ var('as_of') ~ "' as timestamp with time zone)"
    if var('as_of', none) else 'current_timestamp'
) %}
{%- set processing_statuses -%}
    {%- for status in var(
        'invoice_processing_statuses', ['IN_PROGRESS', 'NOT_SEEN']
    ) %}
            '{{ status }}'{{ "," if not loop.last }}
    {%- endfor %}
{%- endset %}
{#- Typed empty stand-ins for relations not built yet (and the first build). #}
{%- set no_exceptions = empty_relation({
    'varchar': [
        'exception_type', 'account_id', 'purchase_order_number',
        'item_sequence_number', 'invoice_number', 'payment_number',
        'deduction_type', 'exception_detail_key', 'currency_code', 'status',
    ],
    'decimal(18, 4)': ['amount_at_stake'],
    'date': ['dispute_deadline_date'],
}) %}
{%- set no_invoices = empty_relation({
    'varchar': [
        'account_id', 'vendor_code', 'invoice_number', 'currency_code',
        'amazon_invoice_status',
    ],
    'date': ['invoice_date', 'payment_due_date'],
    'decimal(18, 4)': ['invoice_total_amount'],
    'boolean': ['is_overdue'],
}) %}
{#- The first build's previous build: the current alerts' columns and the
    tracking ones, no rows. #}
{%- set no_previous_alerts %}
(
    select
        current_alerts.*,
        cast(null as varchar) as content_hash,
        cast(null as timestamp with time zone) as first_seen_at,
        cast(null as timestamp with time zone) as last_seen_at,
        cast(null as timestamp with time zone) as resolved_at,
        cast(null as varchar) as status
    from current_alerts
    where false
)
{%- endset %}

with

clock as (

    select
        {{ as_of_at }} as as_of_at,
        cast({{ as_of_at }} at time zone 'UTC' as date) as as_of_date

),

stuck_po_lines as (

    select * from {{ ref('fct_stuck_po_lines') }}

),

source_gaps as (

    select * from {{ ref('fct_source_gaps') }}

),

report_gaps as (

    select * from {{ ref('fct_report_gaps') }}

),

gx_results as (

    select * from {{ ref('stg_quality__gx_results') }}

),

exception_alerts as (

    select
        case exceptions.exception_type
            when 'unacknowledged_po' then 'po_not_acknowledged_in_time'
            when 'late_or_missing_asn' then 'po_not_shipped_by_ship_window'
            when 'unpaid_past_due' then 'payment_overdue'
            when 'deduction' then 'deduction_dispute_deadline_near'
            else exceptions.exception_type
        end as kind,
        case
            when
                exceptions.exception_type in (
                    'late_or_missing_asn',
                    'invoice_rejected',
                    'unpaid_past_due',
                    'deduction'
                )
                then 'critical'
            else 'warning'
        end as severity,
        {{ alert_targets({
            'account_id': 'exceptions.account_id',
            'purchase_order_number': 'exceptions.purchase_order_number',
            'item_sequence_number':
                'cast(exceptions.item_sequence_number as varchar)',
            'invoice_number': 'exceptions.invoice_number',
            'money_at_stake': 'exceptions.amount_at_stake',
            'currency_code': 'exceptions.currency_code',
            'deadline_date': 'exceptions.dispute_deadline_date',
        }) }},
        coalesce(exceptions.payment_number, '')
        || '|'
        || coalesce(exceptions.exception_detail_key, '') as alert_key,
        concat_ws(
            ' ',
            'PO ' || exceptions.purchase_order_number,
            'line ' || exceptions.item_sequence_number,
            'invoice ' || exceptions.invoice_number,
            'payment ' || exceptions.payment_number
        ) as subject,
        concat_ws(
            ', ', exceptions.exception_type, exceptions.deduction_type
        ) as detail
    from
        {{ exceptions_relation if has_exceptions else no_exceptions }}
            as exceptions
    cross join clock
    where
        exceptions.status = 'open'
        and (
            exceptions.exception_type <> 'deduction'
            or exceptions.dispute_deadline_date
            between clock.as_of_date
            and clock.as_of_date
            + {{ var('dispute_deadline_alert_days', 7) }}
        )

),

invoice_alerts as (

    select
        'invoice_stuck_processing' as kind,
        'warning' as severity,
        {{ alert_targets({
            'account_id': 'invoices.account_id',
            'invoice_number': 'invoices.invoice_number',
            'money_at_stake': 'invoices.invoice_total_amount',
            'currency_code': 'invoices.currency_code',
            'deadline_date': 'invoices.payment_due_date',
        }) }},
        coalesce(invoices.vendor_code, '') as alert_key,
        'invoice ' || invoices.invoice_number as subject,
        'Amazon status '
        || coalesce(invoices.amazon_invoice_status, 'not seen')
        || ' since invoice date '
        || cast(invoices.invoice_date as varchar) as detail
    from
        {{ invoices_relation if has_invoice_statuses else no_invoices }}
            as invoices
    cross join clock
    where
        coalesce(invoices.amazon_invoice_status, 'NOT_SEEN')
        in ({{ processing_statuses }}
        )
        and invoices.invoice_date
        + {{ var('invoice_processing_alert_days', 14) }}
        < clock.as_of_date
        and not invoices.is_overdue

),

stuck_line_alerts as (

    select
        case stuck_po_lines.stuck_reason
            when 'accepted_not_shipped' then 'po_not_shipped_by_ship_window'
            when 'accepted_not_received' then 'po_line_not_received'
            when 'received_not_invoiced' then 'po_line_not_invoiced'
            when 'invoiced_not_paid' then 'payment_overdue'
        end as kind,
        case
            when
                stuck_po_lines.stuck_reason
                in ('accepted_not_shipped', 'invoiced_not_paid')
                then 'critical'
            else 'warning'
        end as severity,
        {{ alert_targets({
            'account_id': 'stuck_po_lines.account_id',
            'purchase_order_number': 'stuck_po_lines.purchase_order_number',
            'item_sequence_number': 'stuck_po_lines.item_sequence_number',
            'money_at_stake': 'stuck_po_lines.money_at_stake',
            'currency_code': 'stuck_po_lines.currency_code',
        }) }},
        '' as alert_key,
        'PO '
        || stuck_po_lines.purchase_order_number
        || ' line '
        || stuck_po_lines.item_sequence_number as subject,
        -- The day it got stuck, not the days since: a detail that changed
        -- every day would be sent again every day.
        stuck_po_lines.stuck_reason
        || ' since '
        || cast(cast(stuck_po_lines.stuck_since_at as date) as varchar)
            as detail
    from stuck_po_lines
    -- The exceptions mart, once built, reports these two per line and invoice.
    where
        not {{ has_exceptions | lower }}
        or stuck_po_lines.stuck_reason
        not in ('accepted_not_shipped', 'invoiced_not_paid')

),

gap_runs as (

    select
        account_id,
        source_name,
        gap_run_start_date,
        max(gap_run_end_date) as gap_run_end_date,
        max(gap_run_days) as gap_run_days,
        bool_and(is_source_never_covered) as is_source_never_covered
    from source_gaps
    group by
        account_id,
        source_name,
        gap_run_start_date

),

gap_alerts as (

    select
        'data_gap' as kind,
        'warning' as severity,
        {{ alert_targets({
            'account_id': 'account_id', 'source_name': 'source_name'
        }) }},
        cast(gap_run_start_date as varchar) as alert_key,
        source_name || ' extraction' as subject,
        'no window covers '
        || gap_run_days
        || ' day(s), '
        || cast(gap_run_start_date as varchar)
        || ' to '
        || cast(gap_run_end_date as varchar)
        || case
            when is_source_never_covered then ' (never extracted)' else ''
        end as detail
    from gap_runs

),

-- A report's run of missing days (or forecast weeks) is one alert; its key
-- carries the report type, so two reports missing the same days are two.
report_gap_alerts as (

    select distinct
        'data_gap' as kind,
        'warning' as severity,
        {{ alert_targets({
            'account_id': 'account_id', 'source_name': 'source_name'
        }) }},
        report_type || '|' || cast(gap_run_start_date as varchar) as alert_key,
        report_type || ' report' as subject,
        'no report document for '
        || gap_run_periods
        || case report_period when 'DAY' then ' day(s), ' else ' week(s), ' end
        || cast(gap_run_start_date as varchar)
        || ' to '
        || cast(gap_run_end_date as varchar) as detail
    from report_gaps
    where is_missing

),

-- Only each layer's latest run counts: a check that passes again is resolved.
latest_quality_runs as (

    select
        layer,
        max(validated_at) as validated_at
    from gx_results
    group by layer

),

latest_quality_failures as (

    select gx_results.*
    from gx_results
    inner join latest_quality_runs
        on
            gx_results.layer = latest_quality_runs.layer
            and gx_results.validated_at = latest_quality_runs.validated_at
    where not gx_results.is_success

),

quality_alerts as (

    select
        'quality_failure' as kind,
        severity,
        {{ alert_targets({'source_name': 'table_name'}) }},
        layer
        || '|'
        || suite_name
        || '|'
        || expectation_type
        || '|'
        || coalesce(column_names, '')
        || '|'
        || md5(coalesce(kwargs, '')) as alert_key,
        suite_name
        || case
            when column_names is null then '' else ' [' || column_names || ']'
        end as subject,
        expectation_type
        || case
            when unexpected_count is null then ''
            else ', ' || unexpected_count || ' unexpected'
        end
        || case
            when element_count is null or unexpected_count is null then ''
            else ' of ' || element_count
        end
        || case
            when observed_value is null then '' else ', observed ' || observed_value
        end as detail
    from latest_quality_failures

),

unioned as (

    select * from exception_alerts
    union all
    select * from invoice_alerts
    union all
    select * from stuck_line_alerts
    union all
    select * from gap_alerts
    union all
    select * from report_gap_alerts
    union all
    select * from quality_alerts

),

keyed_alerts as (

    select
        md5(
            concat_ws(
                '|',
                unioned.kind,
                coalesce(unioned.account_id, ''),
                coalesce(unioned.purchase_order_number, ''),
                coalesce(unioned.item_sequence_number, ''),
                coalesce(unioned.invoice_number, ''),
                coalesce(unioned.source_name, ''),
                coalesce(unioned.alert_key, '')
            )
        ) as alert_id,
        unioned.*
    from unioned

),

-- One row per alert_id should two feeds ever raise the same one.
ranked_alerts as (

    select
        keyed_alerts.*,
        row_number() over (
            partition by keyed_alerts.alert_id
            order by
                keyed_alerts.severity asc,
                keyed_alerts.money_at_stake desc nulls last
        ) as alert_rank
    from keyed_alerts

),

current_alerts as (

    select
        alert_id,
        kind,
        severity,
        account_id,
        purchase_order_number,
        item_sequence_number,
        invoice_number,
        source_name,
        alert_key,
        subject,
        detail,
        money_at_stake,
        currency_code,
        deadline_date
    from ranked_alerts
    where alert_rank = 1

),

previous as (

    select previous_build.*
    from {{ this if is_incremental() else no_previous_alerts }} as previous_build

),

-- The latest as-of any build has left in the table: every alert a build
-- raises is stamped last_seen_at, every one it resolves resolved_at. A build
-- that raised and resolved nothing leaves no trace (README, Limitations).
seen as (

    select
        max(
            greatest(
                previous.last_seen_at,
                coalesce(previous.resolved_at, previous.last_seen_at)
            )
        ) as seen_through_at
    from previous

),

build as (

    select
        clock.as_of_at,
        seen.seen_through_at,
        coalesce(clock.as_of_at < seen.seen_through_at, false) as is_backfill
    from clock
    cross join seen

),

raised as (

    select
        current_alerts.*,
        coalesce(previous.first_seen_at, build.as_of_at) as first_seen_at,
        build.as_of_at as last_seen_at,
        cast(null as timestamp with time zone) as resolved_at,
        'open' as status
    from current_alerts
    cross join build
    left join previous
        on current_alerts.alert_id = previous.alert_id
    where not build.is_backfill

),

-- Open before, gone now: resolved as of this build, and kept.
resolved as (

    select
        previous.alert_id,
        previous.kind,
        previous.severity,
        previous.account_id,
        previous.purchase_order_number,
        previous.item_sequence_number,
        previous.invoice_number,
        previous.source_name,
        previous.alert_key,
        previous.subject,
        previous.detail,
        previous.money_at_stake,
        previous.currency_code,
        previous.deadline_date,
        previous.first_seen_at,
        previous.last_seen_at,
        build.as_of_at as resolved_at,
        'resolved' as status
    from previous
    cross join build
    where
        not build.is_backfill
        and previous.status = 'open'
        and previous.alert_id not in (
            select current_alerts.alert_id from current_alerts
        )

),

-- A backfill raising a known alert: the row stays as the latest build left
-- it (so its content hash, and what was sent, too), seen over a wider span.
-- Should it now be seen after its resolution, the latest build, which did
-- not raise it, is the one that found it gone.
backfill_seen as (

    select
        previous.alert_id,
        previous.kind,
        previous.severity,
        previous.account_id,
        previous.purchase_order_number,
        previous.item_sequence_number,
        previous.invoice_number,
        previous.source_name,
        previous.alert_key,
        previous.subject,
        previous.detail,
        previous.money_at_stake,
        previous.currency_code,
        previous.deadline_date,
        least(previous.first_seen_at, build.as_of_at) as first_seen_at,
        greatest(previous.last_seen_at, build.as_of_at) as last_seen_at,
        case
            when previous.resolved_at > build.as_of_at
                then previous.resolved_at
            when previous.status = 'resolved' then build.seen_through_at
        end as resolved_at,
        previous.status
    from previous
    inner join current_alerts
        on previous.alert_id = current_alerts.alert_id
    cross join build
    where build.is_backfill

),

-- A backfill raising an alert the table never had: the latest build did not
-- raise it, so it was over by then. Kept as resolved, and never sent.
backfill_past as (

    select
        current_alerts.*,
        build.as_of_at as first_seen_at,
        build.as_of_at as last_seen_at,
        build.seen_through_at as resolved_at,
        'resolved' as status
    from current_alerts
    cross join build
    where
        build.is_backfill
        and current_alerts.alert_id not in (
            select previous.alert_id from previous
        )

),

tracked as (

    select * from raised
    union all
    select * from resolved
    union all
    select * from backfill_seen
    union all
    select * from backfill_past

),

final as (

    select
        alert_id,
        md5(
            concat_ws(
                '|',
                status,
                severity,
                coalesce(subject, ''),
                coalesce(detail, ''),
                coalesce(cast(money_at_stake as varchar), ''),
                coalesce(currency_code, ''),
                coalesce(cast(deadline_date as varchar), '')
            )
        ) as content_hash,
        kind,
        severity,
        account_id,
        purchase_order_number,
        item_sequence_number,
        invoice_number,
        source_name,
        alert_key,
        subject,
        detail,
        money_at_stake,
        currency_code,
        deadline_date,
        first_seen_at,
        last_seen_at,
        resolved_at,
        status
    from tracked

)

select * from final
