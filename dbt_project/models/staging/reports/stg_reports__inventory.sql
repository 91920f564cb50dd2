-- One row per account, report options, period and ASIN of Amazon's vendor
-- inventory report (inventoryByAsin), from the latest revision of the period:
-- a restated period comes in a later document with a newer lastUpdatedDate.

with

latest_rows as (

    {{ latest_report_rows(
        'GET_VENDOR_INVENTORY_REPORT',
        'inventoryByAsin',
        'inventory_row',
        ['reportPeriod', 'distributorView', 'sellingProgram'],
        {'startDate': 'date', 'endDate': 'date', 'asin': 'varchar'},
    ) }}

),

final as (

    select
        account_id,
        report_period,
        distributor_view,
        selling_program,
        cast(inventory_row ->> 'startDate' as date) as start_date,
        cast(inventory_row ->> 'endDate' as date) as end_date,
        inventory_row ->> 'asin' as asin,
        inventory_row
        -> 'sellableOnHandInventoryCost'
        ->> 'currencyCode' as currency_code,
        cast(inventory_row ->> 'sellableOnHandInventoryUnits' as integer)
            as sellable_on_hand_units,
        cast(
            inventory_row -> 'sellableOnHandInventoryCost' ->> 'amount'
            as decimal(18, 4)
        ) as sellable_on_hand_cost,
        cast(inventory_row ->> 'unsellableOnHandInventoryUnits' as integer)
            as unsellable_on_hand_units,
        cast(
            inventory_row -> 'unsellableOnHandInventoryCost' ->> 'amount'
            as decimal(18, 4)
        ) as unsellable_on_hand_cost,
        cast(inventory_row ->> 'aged90PlusDaysSellableInventoryUnits' as integer)
            as aged_90_plus_days_sellable_units,
        cast(
            inventory_row -> 'aged90PlusDaysSellableInventoryCost' ->> 'amount'
            as decimal(18, 4)
        ) as aged_90_plus_days_sellable_cost,
        cast(inventory_row ->> 'unhealthyInventoryUnits' as integer)
            as unhealthy_units,
        cast(
            inventory_row -> 'unhealthyInventoryCost' ->> 'amount'
            as decimal(18, 4)
        ) as unhealthy_cost,
        cast(inventory_row ->> 'netReceivedInventoryUnits' as integer)
            as net_received_units,
        cast(
            inventory_row -> 'netReceivedInventoryCost' ->> 'amount'
            as decimal(18, 4)
        ) as net_received_cost,
        cast(inventory_row ->> 'openPurchaseOrderUnits' as integer)
            as open_purchase_order_units,
        cast(inventory_row ->> 'unfilledCustomerOrderedUnits' as integer)
            as unfilled_customer_ordered_units,
        cast(inventory_row ->> 'vendorConfirmationRate' as decimal(18, 4))
            as vendor_confirmation_rate,
        cast(inventory_row ->> 'sellThroughRate' as decimal(18, 4))
            as sell_through_rate,
        cast(inventory_row ->> 'averageVendorLeadTimeDays' as decimal(18, 4))
            as average_vendor_lead_time_days,
        {{ report_lineage_columns() }}
    from latest_rows

)

select * from final
