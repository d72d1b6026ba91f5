"""Hand-built books: a few accounts whose every number is known, written through the contract."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from queries.db import Warehouse
from queries.definitions import dbt_vars
from warehouse import schema
from warehouse.transform import run_dbt


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def stamp(day: dt.date, hour: int = 10) -> dt.datetime:
    """A moment on `day` (event tables keep timestamps)."""
    return dt.datetime.combine(day, dt.time(hour))


@dataclass
class Book:
    as_of: dt.date
    rows: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, **row) -> dict:
        self.rows.setdefault(table, []).append(row)
        return row

    def csm(self, csm_id: int, team: str, segment: str | None = "smb", role: str = "csm", manager_id=None):
        return self.add("csms", csm_id=csm_id, name=f"CSM {csm_id}", email=f"csm{csm_id}@example.com",
                        team=team, role=role, segment=segment, manager_id=manager_id)

    def account(self, account_id: int, segment: str = "smb", csm_id: int = 1, plan: str = "starter"):
        return self.add("accounts", account_id=account_id, name=f"Account {account_id}", industry="Retail",
                        employees=50, segment=segment, plan=plan, csm_id=csm_id,
                        created_at=dt.datetime(2020, 1, 1))

    def term(self, account_id: int, start: dt.date, end: dt.date, arr: float, term_type: str = "new",
             status: str = "active", seats: int = 10):
        contract_id = len(self.rows.get("contracts", [])) + 1
        return self.add("contracts", contract_id=contract_id, account_id=account_id, term_type=term_type,
                        start_date=start, end_date=end, arr=arr, seats=seats, status=status)

    def renewal(self, term: dict, outcome: str | None, arr_renewed: float | None = None,
                closed: dt.date | None = None, forecast: str = "likely", stage: str = "negotiation"):
        renewal_id = len(self.rows.get("renewals", [])) + 1
        return self.add("renewals", renewal_id=renewal_id, account_id=term["account_id"],
                        contract_id=term["contract_id"], due_date=term["end_date"], stage=stage,
                        forecast=forecast, arr_up=term["arr"], arr_renewed=arr_renewed, outcome=outcome,
                        closed_date=closed)

    def health(self, account_id: int, day: dt.date, score: float, **components):
        return self.add("health_scores", account_id=account_id, day=day, score=score,
                        **{c: components.get(c) for c in ("usage_score", "sentiment_score", "support_score",
                                                           "engagement_score", "onboarding_score")})

    def usage(self, account_id: int, day: dt.date, active_users: int, seats: int = 10,
              key_events: int = 0, page_views: int = 0):
        return self.add("usage_daily", account_id=account_id, day=day, active_users=active_users,
                        licensed_seats=seats, page_views=page_views, key_events=key_events)

    def weekday_usage(self, account_id: int, active_users: int, seats: int, last_days: int = 30):
        """Identical usage on every day of the last `last_days` (weekends included)."""
        for back in range(last_days):
            self.usage(account_id, self.as_of - days(back), active_users, seats)

    def activity(self, account_id: int, kind: str, day: dt.date, csm_id: int = 1, hour: int = 10):
        return self.add("cs_activities", activity_id=len(self.rows.get("cs_activities", [])) + 1,
                        account_id=account_id, csm_id=csm_id, kind=kind, happened_at=stamp(day, hour),
                        outcome=f"{kind} on {day}")

    def contact(self, account_id: int, tier: str, champion: bool, left: dt.date | None, name: str = "Kim Lee"):
        n = len(self.rows.get("contacts", []))
        return self.add("contacts", contact_id=n + 1, account_id=account_id, name=name,
                        email=f"{name.split()[0].lower()}{n}@c.example", title="COO", tier=tier,
                        is_champion=champion, left_at=left)

    def survey(self, account_id: int, answered_on: dt.date, score: int, comment: str | None = None):
        """An onboarding survey answer (1-5)."""
        return self.add("onboarding_surveys", survey_id=len(self.rows.get("onboarding_surveys", [])) + 1,
                        account_id=account_id, contact_email=f"c{account_id}@example.com",
                        answered_on=answered_on, score=score, comment=comment)

    def business_event(self, account_id: int, kind: str, occurred_on: dt.date, note: str | None = None):
        """A change at the customer's business, as the CRM records it."""
        return self.add("business_events", event_id=len(self.rows.get("business_events", [])) + 1,
                        account_id=account_id, kind=kind, occurred_on=occurred_on, note=note)

    def write(self, wh: Warehouse, dbt_command: str = "run") -> Warehouse:
        """Insert the rows, then build the marts with dbt (`run`: the models; the contract's tests
        have tests of their own)."""
        with wh.engine.begin() as conn:
            for table, rows in self.rows.items():
                conn.execute(schema.metadata.tables[table].insert(), rows)
        wh.engine.dispose()  # DuckDB: dbt opens the file itself
        run_dbt(wh.url, dbt_command, variables=dbt_vars())
        return wh


def count(wh: Warehouse, sql: str, **params) -> int:
    with wh.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def arr_at_close(rows: dict, account_id: int, day: dt.date, as_of: dt.date) -> float:
    """ARR on the books at the close of `day`, computed from a book's rows (the independent side of
    the ARR tests): terms started by then and by the as-of day, through their end date, or through
    the as-of day while their renewal is open; a churned term gone at the close of its last day."""
    open_terms = {r["contract_id"] for r in rows["renewals"] if r["outcome"] is None}
    churned = {r["contract_id"] for r in rows["renewals"] if r["outcome"] == "churned"}
    total = 0.0
    for t in rows["contracts"]:
        if t["account_id"] != account_id or t["start_date"] > min(day, as_of):
            continue
        last = max(t["end_date"], as_of) if t["contract_id"] in open_terms else t["end_date"]
        if day <= last and not (t["contract_id"] in churned and day == last):
            total += t["arr"]
    return total
