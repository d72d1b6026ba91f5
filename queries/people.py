"""The CS team: who is who (role, team, segment), for sign-in matching and the pickers."""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from queries.db import Warehouse, cached, fetch


@cached
def staff(wh: Warehouse) -> pl.DataFrame:
    """Everyone in `csms`, with a lower-cased email to match sign-ins on."""
    return fetch(wh, sa.text("""
        select csm_id, name, lower(email) as email, team, role, segment, manager_id
        from csms
        order by case role when 'leader' then 0 when 'lead' then 1 when 'ops' then 2 else 3 end, team, name"""))
