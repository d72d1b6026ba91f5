{#- Where dialects differ and dbt has no cross-database macro of its own. -#}

{#- ISO day of the week, Monday 1 .. Sunday 7. -#}
{% macro iso_weekday(day) %}{{ return(adapter.dispatch('iso_weekday', 'cs_cockpit')(day)) }}{% endmacro %}
{% macro default__iso_weekday(day) %}extract(isodow from {{ day }}){% endmacro %}
{% macro snowflake__iso_weekday(day) %}dayofweekiso({{ day }}){% endmacro %}
{% macro bigquery__iso_weekday(day) %}mod(extract(dayofweek from {{ day }}) + 5, 7) + 1{% endmacro %}

{#- `day` moved by `n` days, as a date (dbt.dateadd returns a timestamp on some engines). -#}
{% macro add_days(day, n) %}cast({{ dbt.dateadd('day', n, day) }} as date){% endmacro %}
