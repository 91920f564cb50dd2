{#-
    One row per element of a vendor report document's row array (salesByAsin,
    inventoryByAsin, ...) in raw.vendor_reports, with the document's options,
    its lastUpdatedDate (Amazon's revision) and lineage. The element is the
    JSON column `row_alias`; the model flattens it.
-#}
{% macro report_rows(report_type, rows_key, row_alias, options=[]) -%}
    {%- set option_columns = {
        'reportPeriod': 'report_period',
        'distributorView': 'distributor_view',
        'sellingProgram': 'selling_program',
    } -%}
    select
        reports.account_id,
        {%- for option in options %}
        reports.payload
        -> 'reportSpecification'
        -> 'reportOptions'
        ->> '{{ option }}' as {{ option_columns[option] }},
        {%- endfor %}
        cast(reports.payload -> 'reportSpecification' ->> 'lastUpdatedDate' as date)
            as report_last_updated_date,
        {{ row_alias }}.value as {{ row_alias }},
        reports.extracted_at,
        reports.load_id,
        reports.payload_sha256,
        reports.snapshot_file
    from {{ source('reports', 'vendor_reports') }} as reports
    cross join
        {{ json_array_elements("reports.payload -> '" ~ rows_key ~ "'") }}
            as {{ row_alias }}
    where
        reports.payload
        -> 'reportSpecification'
        ->> 'reportType' = '{{ report_type }}'
{%- endmacro %}


{#-
    Rank 1 is the row to keep of each report row key: Amazon's latest revision
    (a restated period comes in a document with a newer lastUpdatedDate), then
    the latest extraction, then the payload hash so that ties stay stable.
-#}
{% macro report_revision_rank(partition_by) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by
            report_last_updated_date desc,
            extracted_at desc,
            payload_sha256 desc
    )
{%- endmacro %}
