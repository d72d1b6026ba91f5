{{ config(materialized='view') }}
-- One row per account, scored day and health component, with the weight the component carries
-- that day (macro spread_health_weights: the one home of the rule). A view, because the app reads
-- one account at a time and the window's partition (account, day) lets both engines push that
-- filter down: the account page's weekly history.
{{ spread_health_weights(ref('stg_health_scores')) }}
