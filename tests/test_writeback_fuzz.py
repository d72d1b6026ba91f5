"""Fuzz of every write on PostgreSQL: 1,000 generated calls per write function, a mix of good and
bad input, each classified by this test from how it was built (never by asking the validators).

Per function it counts, and requires zero of: bad input accepted, exceptions other than
`Rejected`, good input refused, and good input stored otherwise than the test expects. The book
(build_book's accounts and team) is built once in a fresh schema; each test writes into
write-back tables of its own, so a run is repeatable and no example rebuilds anything.
"""
from __future__ import annotations

import datetime as dt
import decimal
import unicodedata
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from queries import flags, writeback as wb
from queries.db import Warehouse
from queries.migrations import CHURN_REASONS, migrate
from tests.conftest import new_warehouse
from tests.test_writeback import CSM1, LEADER, OPS, PAYLOADS, build_book
from warehouse.schema import metadata

EXAMPLES = 1000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
STAFF = ["csm1@example.com", "csm2@example.com", "csm3@example.com", "csm10@example.com", "csm11@example.com",
         "csm20@example.com", "csm30@example.com"]  # build_book's team list
TAGGABLE = [4, 5]  # churned; renewal forecast at risk
UNTAGGABLE = [1, 2, 3]  # live, renewal not at risk, and no flag is ever raised in the tagging tests
RETIRED = "wrong_fit"  # retired when the book is built
ACTIVE = [code for code, _ in CHURN_REASONS if code != RETIRED]
SPARE = EXAMPLES + 50  # flags to resolve, codes to retire: one per example, and some over


class Token:
    """A stand-in the test resolves at call time, from what it has used up so far."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


FRESH = Token("<the next flag nobody resolved>")
SPENT = Token("<a flag or code already resolved or retired>")


@pytest.fixture(scope="module")
def fuzz_warehouse(tmp_path_factory):
    """build_book's accounts and team on PostgreSQL, built once for the module."""
    wh, drop = new_warehouse("postgres", tmp_path_factory.mktemp("fuzz"))
    with wh.engine.begin() as conn:
        metadata.create_all(conn)
    yield build_book().write(wh)
    drop()


@pytest.fixture
def new_book(fuzz_warehouse):
    """Write-back tables of the test's own, made in one transaction: one retired reason code,
    `codes` extra codes (fuzz_1, ...) to retire, `flags` open flags on the churned and churning
    accounts (so accounts 1-3 stay untaggable) and one resolved flag. Dropped after the test."""
    made = []

    def make(flags: int = 5, codes: int = 0) -> Book:
        wh = Warehouse(fuzz_warehouse.url, app_schema=f"{fuzz_warehouse.app_schema}_{uuid.uuid4().hex[:6]}")
        made.append(wh)
        migrate(wh, create_schema=True)
        s, at = wh.app_schema, dt.datetime(2026, 11, 1, 9)
        with wh.engine.begin() as conn:
            conn.execute(sa.text(f"update {s}.churn_reasons set retired_at = :at where code = :c"),
                         {"at": at, "c": RETIRED})
            conn.execute(sa.text(f"insert into {s}.churn_reasons (code, label) select 'fuzz_' || n, 'Fuzz ' || n "
                                 f"from generate_series(1, :n) as n"), {"n": codes})
            conn.execute(sa.text(f"""insert into {s}.risk_flags (account_id, severity, reason, raised_by, raised_at)
                select 4 + n % 2, 2, 'flag ' || n, 'csm1@example.com', :at from generate_series(0, :n) as n"""),
                         {"n": flags, "at": at})
            conn.execute(sa.text(f"""insert into {s}.risk_flag_events (flag_id, event, owner, by_user, event_at)
                select flag_id, 'raised', 'csm1@example.com', 'csm1@example.com', :at from {s}.risk_flags"""),
                         {"at": at})
            resolved = conn.execute(sa.text(f"select max(flag_id) from {s}.risk_flags")).scalar_one()
            conn.execute(sa.text(f"""insert into {s}.risk_flag_events (flag_id, event, note, by_user, event_at)
                values (:f, 'resolved', 'done', 'csm1@example.com', :at)"""), {"f": resolved, "at": at})
            open_ids = conn.execute(sa.text(f"select flag_id from {s}.risk_flags where flag_id <> :f order by flag_id"),
                                    {"f": resolved}).scalars().all()
        return Book(wh, open_flags=open_ids, resolved_flags=[resolved])
    yield make
    for wh in made:
        with wh.engine.begin() as conn:
            conn.exec_driver_sql(f"drop schema {wh.app_schema} cascade")


@dataclass
class Book:
    wh: Warehouse
    open_flags: list[int]
    resolved_flags: list[int]

    def rows(self, sql: str, **params) -> list[tuple]:
        with self.wh.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql.replace("{s}", self.wh.app_schema)), params)]


# --- the tally ------------------------------------------------------------------------------------
@dataclass
class Tally:
    """What happened to each generated call, against what the test knew it should."""
    name: str
    cases: int = 0
    good: int = 0
    bad_accepted: list = field(default_factory=list)
    other_errors: list = field(default_factory=list)
    good_refused: list = field(default_factory=list)
    stored_wrongly: list = field(default_factory=list)

    def attempt(self, good: bool, write, shown) -> tuple[bool, object]:
        self.cases += 1
        self.good += good
        try:
            result = write()
        except wb.Rejected as refusal:
            if good:
                self.good_refused.append((_short(shown), str(refusal)))
            return False, None
        except Exception as err:  # noqa: BLE001 - counted: every refusal must be a Rejected
            self.other_errors.append((_short(shown), repr(err)))
            return False, None
        if not good:
            self.bad_accepted.append(_short(shown))
        return True, result

    def check(self, expected: list, stored: list) -> None:
        """Good writes, in order, against what the book holds."""
        if expected != stored:
            wrong = [(e, s) for e, s in zip(expected, stored) if e != s] or [(len(expected), len(stored))]
            self.stored_wrongly.extend(wrong[:5])

    def report(self, capsys) -> None:
        with capsys.disabled():
            print(f"\nfuzz {self.name}: {self.cases} cases ({self.good} good, {self.cases - self.good} bad): "
                  f"bad input accepted {len(self.bad_accepted)}, exceptions other than Rejected "
                  f"{len(self.other_errors)}, good input refused {len(self.good_refused)}, "
                  f"good input stored wrongly {len(self.stored_wrongly)}")
        assert self.cases >= EXAMPLES
        assert self.good >= EXAMPLES // 5 and self.cases - self.good >= EXAMPLES // 5, "the mix is lopsided"
        assert not self.bad_accepted, self.bad_accepted[:5]
        assert not self.other_errors, self.other_errors[:5]
        assert not self.good_refused, self.good_refused[:5]
        assert not self.stored_wrongly, self.stored_wrongly[:5]


def _short(value) -> str:
    try:
        shown = repr(value)
    except ValueError:  # an int too long to print
        shown = "<a value too long to show>"
    return shown if len(shown) < 300 else shown[:297] + "..."


# --- inputs, good and bad -------------------------------------------------------------------------
# Each field has a strategy of good values and one of bad values. A case is all good, or has at
# least one field drawn from its bad values: the test knows which before it calls the write.
@st.composite
def cases(draw, **fields):
    """A dict of field -> value, and whether the whole call is good."""
    names = list(fields)
    bad = set() if draw(st.booleans()) else draw(st.sets(st.sampled_from(names), min_size=1, max_size=2))
    return {name: draw(fields[name][1] if name in bad else fields[name][0]) for name in names}, not bad


NOT_OF_THE_TYPE = st.sampled_from([True, False, 1.0, 2.5, float("inf"), float("nan"), decimal.Decimal(1),
                                   b"1", [1], (1,), {"1": 1}, object()])
SPACES = " \n\t\r\u00a0\u3000\u2003"  # whitespace (\r is a line break: kept as \n)
# Characters that show nothing on their own: zero-width and format characters, combining marks,
# Hangul fillers, the braille blank.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u0301", "\u0300",
             "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"]
VISIBLE = st.characters(categories=["L", "N", "P", "S"], exclude_characters=INVISIBLE)
FORBIDDEN = [chr(c) for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), *range(0x7f, 0xa0)]]


def good_text(limit: int):
    """Text with at least one visible character, within the limit after normalisation."""
    inner = st.one_of(VISIBLE, VISIBLE, VISIBLE, st.sampled_from([" ", "\n", "\t", "\r\n", "\u200d", "\u0301"]))
    core = st.builds(lambda a, v, b: "".join(a) + v + "".join(b),
                     st.lists(inner, max_size=12), VISIBLE, st.lists(inner, max_size=12))
    at_limit = st.just("x" * limit)  # exactly at the limit once the surrounding spaces go
    around = st.text(alphabet=SPACES, max_size=3)
    return st.builds(lambda pre, body, post: pre + body + post,
                     around, st.one_of(core, core, core, st.sampled_from(PAYLOADS), at_limit), around)


def bad_text(limit: int):
    """Text that must be refused, required or not."""
    invisible = st.lists(st.sampled_from(INVISIBLE + [" ", "\n"]), min_size=1, max_size=6).map("".join).filter(
        lambda t: any(c in INVISIBLE for c in t))
    sample = good_text(min(limit, 100))

    def spliced(char_strategy):
        return st.builds(lambda t, c, i: t[:i % (len(t) + 1)] + c + t[i % (len(t) + 1):],
                         sample, char_strategy, st.integers(0, 10_000))
    over_long = st.builds(lambda n, pre: pre + "y" * n, st.integers(limit + 1, limit + 400),
                          st.text(alphabet=SPACES, max_size=2))
    return st.one_of(invisible, spliced(st.sampled_from(FORBIDDEN)), spliced(st.integers(0xD800, 0xDFFF).map(chr)),
                     over_long, NOT_OF_THE_TYPE, st.integers())


def required_text(limit: int):
    blank = st.text(alphabet=SPACES, max_size=4)
    return good_text(limit), st.one_of(bad_text(limit), blank, st.none())


def optional_text(limit: int):
    return st.one_of(good_text(limit), st.none(), st.text(alphabet=SPACES, max_size=4)), bad_text(limit)


def stored(text: str | None) -> str | None:
    """What the book keeps of good text: NFC, line breaks as \\n, no surrounding whitespace; blank as NULL."""
    if text is None or not text.strip():
        return None
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def bad_ids(maximum: int):
    """Numbers that name nothing, and values that are not ints at all."""
    return st.one_of(st.integers(max_value=0), st.integers(min_value=maximum + 1), NOT_OF_THE_TYPE,
                     st.sampled_from(["1", "4", " 4", "12", "1; drop table accounts", "", None, 10**5000, -10**5000]))


ACCOUNTS = (st.sampled_from([1, 2, 3, 4, 5]), st.one_of(bad_ids(2**31 - 1), st.integers(6, 2**31 - 1)))
SEVERITY = (st.sampled_from([1, 2, 3]), st.one_of(st.integers().filter(lambda n: n not in (1, 2, 3)), NOT_OF_THE_TYPE,
                                                    st.sampled_from(["1", "2", "high", None, 2.0, 3.0])))


def _random_case(draw_case: str, flips: list[bool]) -> str:
    return "".join(c.upper() if f else c for c, f in zip(draw_case, flips))


STAFF_EMAIL = st.builds(lambda e, flips, pre, post: pre + _random_case(e, flips) + post,
                        st.sampled_from(STAFF), st.lists(st.booleans(), min_size=20, max_size=20),
                        st.text(alphabet=" \t\n", max_size=2), st.text(alphabet=" \t\n", max_size=2))
BAD_EMAIL = st.one_of(
    st.builds("{}@{}".format, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.+-", min_size=1, max_size=12),
              st.sampled_from(["example.com", "example.org", "else.example", "exampl.com"])).filter(
        lambda e: e not in STAFF),
    st.sampled_from(STAFF).map(lambda e: e + "\x00"), st.sampled_from(STAFF).map(lambda e: "\u200b" + e),
    st.sampled_from(STAFF).map(lambda e: e.replace("@", "\ud800@")), st.sampled_from(STAFF).map(lambda e: e + ".evil"),
    st.sampled_from(STAFF).map(lambda e: e.replace("@", " @")), st.sampled_from(STAFF).map(str.encode),
    st.sampled_from(STAFF).map(lambda e: [e]), NOT_OF_THE_TYPE, st.integers())
BLANK = st.text(alphabet=" \t\n", max_size=3)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


# Today in UTC or later is today or later everywhere that has reached it; two days back is past everywhere.
DUE = (st.one_of(st.none(), st.integers(0, 3650).map(lambda n: _utc_today() + dt.timedelta(days=n)),
                 st.just(dt.date(9999, 12, 31))),
       st.one_of(st.integers(2, 100_000).map(lambda n: _utc_today() - dt.timedelta(days=n)),
                 st.integers(0, 365).map(lambda n: dt.datetime.now() + dt.timedelta(days=n)),
                 st.integers(0, 365).map(lambda n: (_utc_today() + dt.timedelta(days=n)).isoformat()),
                 NOT_OF_THE_TYPE, st.integers()))


# --- churn tags -----------------------------------------------------------------------------------
BAD_CODE = st.one_of(st.just(RETIRED), st.text(max_size=30).filter(lambda c: c not in ACTIVE and c != RETIRED
                                                                    and not c.startswith("fuzz_")),
                     st.sampled_from(ACTIVE).map(str.upper), st.sampled_from(ACTIVE).map(lambda c: f" {c}"),
                     st.sampled_from(ACTIVE).map(lambda c: c + "\n"), st.sampled_from(ACTIVE).map(lambda c: c + "\x00"),
                     st.sampled_from(ACTIVE).map(lambda c: c + "\udc80"), st.integers(), NOT_OF_THE_TYPE)
PRIMARY = (st.sampled_from(ACTIVE), st.one_of(BAD_CODE, st.sampled_from([None, ""])))
CODES = (st.one_of(st.none(), st.lists(st.sampled_from(ACTIVE), max_size=5), st.lists(st.sampled_from(ACTIVE),
                                                                                       max_size=5).map(tuple)),
         st.one_of(st.sampled_from(ACTIVE), st.sets(st.sampled_from(ACTIVE), min_size=1),
                   st.builds(lambda good, bad, i: good[:i] + [bad] + good[i:], st.lists(st.sampled_from(ACTIVE),
                             max_size=3), BAD_CODE, st.integers(0, 3)), NOT_OF_THE_TYPE))
TAG_ACCOUNT = (st.sampled_from(TAGGABLE), st.one_of(st.sampled_from(UNTAGGABLE), ACCOUNTS[1]))
TAG_ACCOUNTS = (
    st.one_of(st.lists(st.sampled_from(TAGGABLE), min_size=1, max_size=6),
              st.lists(st.sampled_from(TAGGABLE), min_size=1, max_size=6).map(tuple)),
    st.one_of(st.just([]), st.just(()), st.sampled_from(["45", "4", "12", b"45", None, 4, range(4, 6)]),
              st.sets(st.sampled_from(TAGGABLE), min_size=1), st.sets(st.sampled_from(TAGGABLE), min_size=1).map(frozenset),
              st.builds(lambda good, bad, i: good[:i] + [bad] + good[i:], st.lists(st.sampled_from(TAGGABLE), max_size=3),
                        TAG_ACCOUNT[1], st.integers(0, 3))))


def reasons_of(primary: str, codes) -> str:
    codes = list(codes or [])
    return ",".join(dict.fromkeys(codes if primary in codes else [primary, *codes]))


def _tag_fuzz(book: Book, capsys, name: str, accounts, call) -> None:
    tally, versions, expected = Tally(name), {a: 0 for a in TAGGABLE}, []

    @FUZZ
    @given(cases(accounts=accounts, primary=PRIMARY, codes=CODES, note=optional_text(wb.NOTE_MAX)))
    def run(case):
        values, good = case
        done, result = tally.attempt(good, lambda: call(book.wh, values), values)
        if done and good:
            ids = values["accounts"] if isinstance(values["accounts"], (list, tuple)) else [values["accounts"]]
            ids = list(dict.fromkeys(ids))
            want = [versions[a] + 1 for a in ids]
            got = result if isinstance(result, list) else [result]
            tally.check([want], [got])
            for a in ids:
                versions[a] += 1
                expected.append((a, versions[a], values["primary"], reasons_of(values["primary"], values["codes"]),
                                 stored(values["note"]), LEADER.email))
    run()
    tally.check(sorted(expected), book.rows("select account_id, version, primary_reason, reasons, note, tagged_by "
                                            "from {s}.churn_tags order by account_id, version"))
    tally.report(capsys)


def test_tag_churn_fuzz(new_book, capsys):
    _tag_fuzz(new_book(), capsys, "tag_churn", TAG_ACCOUNT,
              lambda wh, v: wb.tag_churn(wh, LEADER, v["accounts"], v["primary"], v["codes"], v["note"]))


def test_tag_churns_fuzz(new_book, capsys):
    _tag_fuzz(new_book(), capsys, "tag_churns", TAG_ACCOUNTS,
              lambda wh, v: wb.tag_churns(wh, LEADER, v["accounts"], v["primary"], v["codes"], v["note"]))


def test_retire_reason_fuzz(new_book, capsys):
    book = new_book(codes=SPARE)
    tally, retired = Tally("retire_reason"), [RETIRED]
    code = (st.integers(1, SPARE).map(lambda n: f"fuzz_{n}"),  # good while this test has not retired it
            st.one_of(BAD_CODE, st.sampled_from([SPENT, None, "", "fuzz_0", "FUZZ_1", "fuzz_1 "])))
    writer = (st.just(OPS), st.sampled_from([LEADER, CSM1]))

    @FUZZ
    @given(cases(code=code, writer=writer))
    def run(case):
        values, good = case
        value = retired[-1] if values["code"] is SPENT else values["code"]
        good = good and value not in retired
        done, _ = tally.attempt(good, lambda: wb.retire_reason(book.wh, values["writer"], value), values)
        if done:
            retired.append(value)
    run()
    tally.check(sorted(retired), sorted(r[0] for r in book.rows(
        "select code from {s}.churn_reasons where retired_at is not null")))
    tally.report(capsys)


# --- risk flags -----------------------------------------------------------------------------------
OWNER_OR_WRITER = (st.one_of(STAFF_EMAIL, st.none(), BLANK), BAD_EMAIL)


def test_raise_flag_fuzz(new_book, capsys):
    book = new_book()
    tally, expected = Tally("raise_flag"), []

    @FUZZ
    @given(cases(account=ACCOUNTS, severity=SEVERITY, reason=required_text(wb.REASON_MAX),
                 note=optional_text(wb.NOTE_MAX), owner=OWNER_OR_WRITER, due=DUE))
    def run(case):
        v, good = case
        done, flag = tally.attempt(good, lambda: wb.raise_flag(book.wh, LEADER, v["account"], v["severity"],
                                                               v["reason"], v["note"], v["owner"], v["due"]), v)
        if done and good:
            owner = v["owner"].strip().lower() if v["owner"] and v["owner"].strip() else LEADER.email
            due = v["due"] or flags.default_due(v["severity"])  # no date named: the severity's default
            expected.append((flag, v["account"], v["severity"], stored(v["reason"]), stored(v["note"]), owner, due))
    run()
    tally.check(expected, book.rows("""
        select f.flag_id, f.account_id, f.severity, f.reason, e.note, e.owner, e.due_date
        from {s}.risk_flags as f inner join {s}.risk_flag_events as e on e.flag_id = f.flag_id and e.event = 'raised'
        where f.raised_by = :by order by f.flag_id""", by=LEADER.email))
    tally.report(capsys)


def flag_ids(book: Book, open_ones: int):
    """Good: an open flag (FRESH: the next one nobody resolved). Bad: resolved, missing, not an int."""
    good = st.just(FRESH) if open_ones == 0 else st.sampled_from(book.open_flags[:open_ones])
    return good, st.one_of(st.sampled_from(book.resolved_flags), st.just(SPENT), bad_ids(2**63 - 1),
                           st.integers(book.open_flags[-1] + 10, 2**63 - 1))


def test_note_flag_fuzz(new_book, capsys):
    book = new_book()
    tally, expected = Tally("note_flag"), []

    @FUZZ
    @given(cases(flag=flag_ids(book, 5), note=required_text(wb.NOTE_MAX)))
    def run(case):
        v, good = case
        flag = book.resolved_flags[0] if v["flag"] is SPENT else v["flag"]
        done, _ = tally.attempt(good, lambda: wb.note_flag(book.wh, LEADER, flag, v["note"]), v)
        if done and good:
            expected.append((flag, stored(v["note"])))
    run()
    tally.check(expected, book.rows("select flag_id, note from {s}.risk_flag_events where event = 'note' "
                                         "order by event_id"))
    tally.report(capsys)


def test_reassign_flag_fuzz(new_book, capsys):
    book = new_book()
    tally, expected = Tally("reassign_flag"), []

    @FUZZ
    @given(cases(flag=flag_ids(book, 5), owner=(STAFF_EMAIL, st.one_of(BAD_EMAIL, BLANK, st.none())), due=DUE,
                 note=optional_text(wb.NOTE_MAX)))
    def run(case):
        v, good = case
        flag = book.resolved_flags[0] if v["flag"] is SPENT else v["flag"]
        done, _ = tally.attempt(good, lambda: wb.reassign_flag(book.wh, LEADER, flag, v["owner"], v["due"],
                                                               v["note"]), v)
        if done and good:
            expected.append((flag, v["owner"].strip().lower(), v["due"], stored(v["note"])))
    run()
    tally.check(expected, book.rows("select flag_id, owner, due_date, note from {s}.risk_flag_events "
                                         "where event = 'reassigned' order by event_id"))
    tally.report(capsys)


def test_resolve_flag_fuzz(new_book, capsys):
    book = new_book(flags=SPARE)
    tally, expected, fresh = Tally("resolve_flag"), [], list(book.open_flags)

    @FUZZ
    @given(cases(flag=flag_ids(book, 0), note=required_text(wb.NOTE_MAX)))
    def run(case):
        v, good = case
        if v["flag"] is FRESH:
            flag = fresh[0]
        elif v["flag"] is SPENT:  # one this test resolved already
            flag = expected[-1][0] if expected else book.resolved_flags[0]
        else:
            flag = v["flag"]
        done, _ = tally.attempt(good, lambda: wb.resolve_flag(book.wh, LEADER, flag, v["note"]), v)
        if done and flag == fresh[0]:
            fresh.pop(0)
            expected.append((flag, stored(v["note"])))
    run()
    tally.check(expected, book.rows("select flag_id, note from {s}.risk_flag_events where event = 'resolved' "
                                         "and by_user = :by order by event_id", by=LEADER.email))
    tally.report(capsys)
