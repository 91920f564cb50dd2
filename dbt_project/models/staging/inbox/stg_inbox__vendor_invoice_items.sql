-- One row per account, invoice document and item: what each item invoices, in
-- eaches, at the invoiced net cost, with the item's own tax, charges and
-- allowances. Quantities and amounts are as written (a credit note's positive).

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['account_id', 'payload_sha256'],
        on_schema_change='fail',
    )
}}

with

invoices as (

    {{ documents_to_rebuild(
        source('inbox', 'vendor_invoices'),
        is_incremental(),
        document_columns=['account_id', 'payload_sha256']
    ) }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id, payload_sha256
            order by extracted_at asc, source_file asc
        ) as landing_rank
    from invoices

),

documents as (

    select * from ranked
    where landing_rank = 1

),

items as (

    select
        documents.account_id,
        documents.payload_sha256,
        documents.payload ->> 'id' as invoice_number,
        documents.payload ->> 'invoiceType' as invoice_type,
        documents.payload -> 'remitToParty' ->> 'partyId' as vendor_code,
        documents.load_id,
        invoice_item.value as invoice_item
    from documents
    cross join
        {{ json_array_elements("documents.payload -> 'items'") }} as invoice_item

),

extracted as (

    select
        account_id,
        vendor_code,
        invoice_number,
        payload_sha256,
        invoice_type,
        invoice_item ->> 'itemSequenceNumber' as item_sequence_number,
        invoice_item ->> 'purchaseOrderNumber' as purchase_order_number,
        invoice_item ->> 'amazonProductIdentifier' as asin,
        invoice_item ->> 'vendorProductIdentifier' as vendor_sku,
        cast(invoice_item -> 'invoicedQuantity' ->> 'amount' as integer)
            as invoiced_quantity_amount,
        invoice_item
        -> 'invoicedQuantity'
        ->> 'unitOfMeasure' as invoiced_quantity_unit_of_measure,
        cast(invoice_item -> 'invoicedQuantity' ->> 'unitSize' as integer)
            as invoiced_quantity_unit_size,
        {{ item_quantity_to_units("invoice_item -> 'invoicedQuantity'") }}
            as invoiced_units,
        cast(invoice_item -> 'netCost' ->> 'amount' as decimal(18, 4))
            as net_cost_amount,
        invoice_item -> 'netCost' ->> 'currencyCode' as net_cost_currency_code,
        invoice_item ->> 'netCostUnitOfMeasure' as net_cost_unit_of_measure,
        invoice_item
        -> 'creditNoteDetails'
        ->> 'referenceInvoiceNumber' as credit_note_reference_invoice_number,
        invoice_item -> 'taxDetails' as tax_details,
        invoice_item -> 'chargeDetails' as charge_details,
        invoice_item -> 'allowanceDetails' as allowance_details,
        load_id
    from items

),

taxes as (

    select
        extracted.account_id,
        extracted.payload_sha256,
        extracted.item_sequence_number,
        sum(cast(tax.value -> 'taxAmount' ->> 'amount' as decimal(18, 4)))
            as tax_amount
    from extracted
    cross join {{ json_array_elements('extracted.tax_details') }} as tax
    group by
        extracted.account_id,
        extracted.payload_sha256,
        extracted.item_sequence_number

),

charges as (

    select
        extracted.account_id,
        extracted.payload_sha256,
        extracted.item_sequence_number,
        sum(cast(charge.value -> 'chargeAmount' ->> 'amount' as decimal(18, 4)))
            as charge_amount
    from extracted
    cross join {{ json_array_elements('extracted.charge_details') }} as charge
    group by
        extracted.account_id,
        extracted.payload_sha256,
        extracted.item_sequence_number

),

allowances as (

    select
        extracted.account_id,
        extracted.payload_sha256,
        extracted.item_sequence_number,
        sum(
            cast(allowance.value -> 'allowanceAmount' ->> 'amount' as decimal(18, 4))
        ) as allowance_amount
    from extracted
    cross join
        {{ json_array_elements('extracted.allowance_details') }} as allowance
    group by
        extracted.account_id,
        extracted.payload_sha256,
        extracted.item_sequence_number

),

final as (

    select
        extracted.account_id,
        extracted.vendor_code,
        extracted.invoice_number,
        extracted.payload_sha256,
        extracted.item_sequence_number,
        extracted.invoice_type,
        extracted.purchase_order_number,
        extracted.asin,
        extracted.vendor_sku,
        extracted.invoiced_quantity_amount,
        extracted.invoiced_quantity_unit_of_measure,
        extracted.invoiced_quantity_unit_size,
        extracted.invoiced_units,
        extracted.net_cost_amount,
        extracted.net_cost_currency_code,
        extracted.net_cost_unit_of_measure,
        extracted.credit_note_reference_invoice_number,
        taxes.tax_amount as item_tax_amount,
        charges.charge_amount as item_charge_amount,
        allowances.allowance_amount as item_allowance_amount,
        extracted.load_id
    from extracted
    left join taxes
        on
            extracted.account_id = taxes.account_id
            and extracted.payload_sha256 = taxes.payload_sha256
            and extracted.item_sequence_number = taxes.item_sequence_number
    left join charges
        on
            extracted.account_id = charges.account_id
            and extracted.payload_sha256 = charges.payload_sha256
            and extracted.item_sequence_number = charges.item_sequence_number
    left join allowances
        on
            extracted.account_id = allowances.account_id
            and extracted.payload_sha256 = allowances.payload_sha256
            and extracted.item_sequence_number = allowances.item_sequence_number

)

select * from final
