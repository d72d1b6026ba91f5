-- One row per contract term started by the as-of day, with the days it carries ARR: from its
-- start through its end date (inclusive), or, while its renewal is still open past the end
-- (grace), through the as-of day or the day before the account's next term starts, whichever
-- comes first (a renewal closed after the as-of day may already have its next term). This is the one home of "a term is live on a day": the snapshot,
-- the cohorts and the app's ARR bridge all read carries_arr_from / carries_arr_through.
-- renewal_open: the term's renewal is not decided on the as-of day (renewals_as_of): the snapshot,
-- the app's renewal funnel and the forecast write-back read it.
{{ config(indexes=[{'columns': ['account_id', 'carries_arr_from']}, {'columns': ['contract_id'], 'unique': True}]
                  if target.type == 'postgres' else []) }}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

renewals as (
    -- decided as renewals_as_of has it (a renewal closed after the as-of day is still open)
    select
        r.contract_id,
        max(case when r.outcome is null then 1 else 0 end) as is_open,
        max(case when r.outcome = 'churned' then 1 else 0 end) as is_churned
    from {{ ref('renewals_as_of') }} as r
    group by r.contract_id
),

contracts as (
    select
        c.*,
        lead(c.start_date) over (partition by c.account_id order by c.start_date) as next_start_date
    from {{ ref('stg_contracts') }} as c
)

select
    c.contract_id,
    c.account_id,
    c.term_type,
    c.starts_relationship,
    c.start_date,
    c.end_date,
    c.arr,
    c.seats,
    coalesce(r.is_open, 0) = 1 as renewal_open,
    coalesce(r.is_churned, 0) = 1 as churned,
    c.start_date as carries_arr_from,
    case
        when r.is_open = 1 and c.end_date < s.as_of and c.next_start_date is not null
            then greatest(c.end_date, least(s.as_of, {{ add_days('c.next_start_date', -1) }}))
        when r.is_open = 1 and c.end_date < s.as_of then s.as_of
        else c.end_date
    end as carries_arr_through
from contracts as c
cross join as_of as s
left join renewals as r on r.contract_id = c.contract_id
where c.start_date <= s.as_of
