{#-
    One row per element of a vendor report document's row array (salesByAsin,
    inventoryByAsin, ...) in raw.vendor_reports, with the document's options,
    its lastUpdatedDate (Amazon's revision) and lineage. The element is the
    JSON column `row_alias`; the model flattens it.
-#}
{% macro report_rows(report_type, rows_key, row_alias, options=[]) -%}
    select
        reports.account_id,
        {%- for option in options %}
        reports.payload
        -> 'reportSpecification'
        -> 'reportOptions'
        ->> '{{ option }}' as {{ report_option_column(option) }},
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


{#-
    The latest revision of each row of a vendor report (report_rows ranked by
    report_revision_rank, rank 1 kept). A row's key is the account, the report
    options and `row_key`: the element's fields that name the row, each cast to
    its SQL type as the model casts it (e.g. {'startDate': 'date'}).
-#}
{% macro latest_report_rows(report_type, rows_key, row_alias, options, row_key) -%}
    {%- set partition_by = ['account_id'] -%}
    {%- for option in options -%}
        {%- do partition_by.append(report_option_column(option)) -%}
    {%- endfor -%}
    {%- for field, type in row_key.items() -%}
        {%- do partition_by.append(
            'cast(' ~ row_alias ~ " ->> '" ~ field ~ "' as " ~ type ~ ')'
        ) -%}
    {%- endfor %}
    select * from (
        select
            report_rows.*,
            {{ report_revision_rank(partition_by) }} as version_rank
        from (
            {{ report_rows(report_type, rows_key, row_alias, options) }}
        ) as report_rows
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}


{#-
    The columns every report staging model ends with: Amazon's revision of the
    row's document and the lineage of the extraction it came in.
-#}
{% macro report_lineage_columns() -%}
    report_last_updated_date,
        extracted_at,
        load_id,
        payload_sha256,
        snapshot_file
{%- endmacro %}


{#- The column a reportOptions entry is kept as: reportPeriod is report_period. -#}
{% macro report_option_column(option) -%}
    {{ return({
        'reportPeriod': 'report_period',
        'distributorView': 'distributor_view',
        'sellingProgram': 'selling_program',
    }[option]) }}
{%- endmacro %}
