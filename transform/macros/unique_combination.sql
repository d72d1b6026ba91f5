{#- A generic data test: no two rows share the same values in `columns` (dbt core has no
    multi-column unique; this keeps the project free of package dependencies). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_sharing
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
