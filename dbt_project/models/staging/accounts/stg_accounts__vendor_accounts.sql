-- One row per vendor account: its latest entry in the accounts file.

with

source as (

    select * from {{ source('accounts', 'vendor_accounts') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id
            order by loaded_at desc
        ) as version_rank
    from source

),

latest as (

    select * from ranked
    where version_rank = 1

),

final as (

    select
        account_id,
        region,
        -- The loader may write the list as a varchar[] or as JSON; keep JSON.
        to_json(marketplace_ids) as marketplace_ids,
        to_json(marketplace_ids) ->> 0 as primary_marketplace_id,
        to_json(vendor_codes) as vendor_codes,
        currency_code,
        reporting_currency_code,
        connection_id,
        loaded_at
    from latest

)

select * from final
