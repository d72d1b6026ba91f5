-- Every decided renewal due by the as-of day, once per look-back the Score check offers (var
-- cs_cockpit_score_check_lead_days: N days before due), with the day its window starts
-- (`looked_on`, due - N): what both score check marts are built over. With the renewal's outcome
-- and ARR and the account's segment and CSM, so the page counts, rates and filters the marts' rows
-- without joining renewals_as_of again per view.
{{ config(materialized='ephemeral') }}

with leads as (
    {%- for lead in var('cs_cockpit_score_check_lead_days') %}
    select {{ lead | int }} as lead_days{% if not loop.last %} union all{% endif %}
    {%- endfor %}
)

select r.renewal_id, r.account_id, r.due_date, l.lead_days,
       {{ add_days('r.due_date', '(0 - l.lead_days)') }} as looked_on,
       r.outcome, r.arr_up, r.arr_renewed, r.arr_kept, r.segment, r.csm_id
from {{ ref('renewals_as_of') }} as r
cross join leads as l
cross join {{ ref('int_as_of') }} as s
where r.outcome is not null and r.due_date <= s.as_of
