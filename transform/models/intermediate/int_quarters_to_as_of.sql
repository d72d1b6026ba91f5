-- Every calendar quarter from the first term's to the one holding the as-of day: its first day,
-- `opening` (the close of the day before it) and `closing` (the close of its last day, or of the
-- as-of day for the quarter in progress). The ARR data tests walk these periods.
{{ config(materialized='ephemeral') }}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

quarters as (
    select
        cast({{ dbt.dateadd('month', '3 * (g.generated_number - 1)', 'f.first_quarter') }} as date) as quarter_start
    from ({{ dbt.generate_series(120) }}) as g
    cross join (
        select cast({{ dbt.date_trunc('quarter', 'min(start_date)') }} as date) as first_quarter
        from {{ ref('contract_terms') }}
    ) as f
),

periods as (
    select
        q.quarter_start,
        {{ add_days('q.quarter_start', -1) }} as opening,
        case when {{ add_days(dbt.dateadd('month', 3, 'q.quarter_start'), -1) }} < d.as_of
             then {{ add_days(dbt.dateadd('month', 3, 'q.quarter_start'), -1) }} else d.as_of end as closing
    from quarters as q
    cross join as_of as d
    where q.quarter_start <= d.as_of
)

select quarter_start, opening, closing from periods
