select component, label, weight, description
from {{ source('contract', 'health_components') }}
