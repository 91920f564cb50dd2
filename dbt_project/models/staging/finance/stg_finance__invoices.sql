-- One row per account and invoiceIdentifier: the header of Amazon's latest view
-- of the invoice (status, amounts, due date, settlement, related identifiers).

{{ config(unique_key=['account_id', 'invoice_identifier']) }}

with

latest as (

    {{ latest_document_versions(
        source('finance', 'finance_invoices'),
        is_incremental(),
        finance_invoice_version_rank(),
    ) }}

),

headers as (

    select
        account_id,
        document_key as invoice_identifier,
        region,
        payload -> 'invoiceHeader' as invoice_header,
        payload_sha256,
        snapshot_file,
        extracted_at,
        load_id
    from latest

),

settlements as (

    select
        headers.account_id,
        headers.invoice_identifier,
        settlement.value ->> 'breakdownType' as breakdown_type,
        cast(
            settlement.value -> 'breakdownAmount' ->> 'currencyAmount'
            as decimal(18, 4)
        ) as breakdown_amount
    from headers
    cross join
        {{ json_array_elements(
            "headers.invoice_header -> 'invoiceSettlementBreakdowns'"
        ) }} as settlement

),

settlement_totals as (

    select
        account_id,
        invoice_identifier,
        sum(case when breakdown_type = 'AmountPaid' then breakdown_amount end)
            as settled_paid_amount,
        sum(
            case when breakdown_type = 'QueuedForPayment' then breakdown_amount end
        ) as queued_for_payment_amount,
        sum(
            case when breakdown_type = 'QuickPayDiscount' then breakdown_amount end
        ) as quick_pay_discount_amount,
        sum(
            case
                when breakdown_type = 'QuantityVarianceAmount' then breakdown_amount
            end
        ) as quantity_variance_amount,
        sum(case when breakdown_type = 'PriceVariance' then breakdown_amount end)
            as price_variance_amount
    from settlements
    group by
        account_id,
        invoice_identifier

),

related_identifiers as (

    select
        headers.account_id,
        headers.invoice_identifier,
        related.value ->> 'relatedIdentifierName' as identifier_name,
        {{ json_scalar_text('identifier_value.value') }} as identifier_value
    from headers
    cross join
        {{ json_array_elements("headers.invoice_header -> 'relatedIdentifiers'") }}
            as related
    cross join
        {{ json_array_elements("related.value -> 'relatedIdentifierValue'") }}
            as identifier_value

),

related_lists as (

    select
        account_id,
        invoice_identifier,
        min(case when identifier_name = 'VENDOR_CODE' then identifier_value end)
            as related_vendor_code,
        min(case when identifier_name = 'PAYEE_CODE' then identifier_value end)
            as related_payee_code,
        -- string_agg(... order by ...) reads the same in duckdb and postgres.
        string_agg(
            case when identifier_name = 'UNIQUE_PAYMENT_IDS' then identifier_value end,
            ', '
            order by identifier_value
        ) as payment_numbers,
        string_agg(
            case when identifier_name = 'PURCHASE_ORDER_IDS' then identifier_value end,
            ', '
            order by identifier_value
        ) as purchase_order_numbers
    from related_identifiers
    group by
        account_id,
        invoice_identifier

),

final as (

    select
        headers.account_id,
        headers.invoice_identifier,
        headers.region,
        headers.invoice_header ->> 'invoiceNumber' as invoice_number,
        coalesce(
            nullif({{ dbt.split_part('headers.invoice_identifier', "'~'", 2) }}, ''),
            related_lists.related_payee_code
        ) as payee_code,
        coalesce(
            related_lists.related_vendor_code,
            nullif({{ dbt.split_part('headers.invoice_identifier', "'~'", 2) }}, ''),
            related_lists.related_payee_code
        ) as vendor_code,
        headers.invoice_header ->> 'invoiceStatus' as invoice_status,
        headers.invoice_header ->> 'invoiceType' as invoice_type,
        cast(
            headers.invoice_header ->> 'issueDate' as timestamp with time zone
        ) as issued_at,
        cast(
            headers.invoice_header ->> 'dueDate' as timestamp with time zone
        ) as due_at,
        cast(
            cast(headers.invoice_header ->> 'dueDate' as timestamp with time zone)
            at time zone 'UTC' as date
        ) as due_date,
        headers.invoice_header ->> 'paymentTerms' as payment_terms,
        headers.invoice_header
        -> 'invoiceAmount'
        ->> 'currencyCode' as currency_code,
        cast(
            headers.invoice_header -> 'invoiceAmount' ->> 'currencyAmount'
            as decimal(18, 4)
        ) as invoice_amount,
        settlement_totals.settled_paid_amount,
        settlement_totals.queued_for_payment_amount,
        settlement_totals.quick_pay_discount_amount,
        settlement_totals.quantity_variance_amount,
        settlement_totals.price_variance_amount,
        related_lists.payment_numbers,
        related_lists.purchase_order_numbers,
        cast(
            headers.invoice_header ->> 'creationDate' as timestamp with time zone
        ) as created_at,
        cast(
            headers.invoice_header ->> 'lastUpdatedDate' as timestamp with time zone
        ) as last_updated_at,
        headers.payload_sha256,
        headers.snapshot_file,
        headers.extracted_at,
        headers.load_id
    from headers
    left join settlement_totals
        on
            headers.account_id = settlement_totals.account_id
            and headers.invoice_identifier = settlement_totals.invoice_identifier
    left join related_lists
        on
            headers.account_id = related_lists.account_id
            and headers.invoice_identifier = related_lists.invoice_identifier

)

select * from final
