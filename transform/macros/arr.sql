{#- Over contract_terms rows `t`: the term's ARR is still on the books at the close of `day`
    (carries_arr_from .. carries_arr_through, both inclusive), except that a churned term is gone
    at the close of its last day: a term churning on a period's last day is a churn of that period
    (the one its renewal was due in), once, and never opens the next. The one home of the rule:
    arr_changes_daily applies it to every day an account's ARR changes, and the app reads that. -#}
{% macro carries_arr_at_close(t, day) -%}
({{ t }}.carries_arr_from <= {{ day }} and {{ t }}.carries_arr_through >= {{ day }}
 and not ({{ t }}.churned and {{ t }}.carries_arr_through = {{ day }}))
{%- endmacro %}
