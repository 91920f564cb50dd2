-- One row per vendor account configured in the accounts file.

with

vendor_accounts as (

    select * from {{ ref('stg_accounts__vendor_accounts') }}

),

final as (

    select
        account_id,
        region,
        primary_marketplace_id,
        marketplace_ids,
        vendor_codes,
        currency_code,
        reporting_currency_code,
        connection_id,
        loaded_at
    from vendor_accounts

)

select * from final
