-- One row per account, invoice document and item: what each item invoices, in
-- eaches, at the invoiced net cost, with the item's own tax, charges and
-- allowances. Quantities and amounts are as written (a credit note's positive).

{{ config(unique_key=['account_id', 'payload_sha256']) }}
{%- set item_key = ['account_id', 'payload_sha256', 'item_sequence_number'] %}

with

documents as (

    {{ latest_document_versions(
        source('inbox', 'vendor_invoices'),
        is_incremental(),
        invoice_landing_rank(),
        document_columns=['account_id', 'payload_sha256'],
    ) }}

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

    {{ invoice_detail_amounts(
        'extracted', 'tax_details', 'taxAmount', item_key
    ) }}

),

charges as (

    {{ invoice_detail_amounts(
        'extracted', 'charge_details', 'chargeAmount', item_key
    ) }}

),

allowances as (

    {{ invoice_detail_amounts(
        'extracted', 'allowance_details', 'allowanceAmount', item_key
    ) }}

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
        taxes.detail_amount as item_tax_amount,
        charges.detail_amount as item_charge_amount,
        allowances.detail_amount as item_allowance_amount,
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
