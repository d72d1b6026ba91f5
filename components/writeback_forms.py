"""The write-back forms: churn-reason tags, risk flags (raise, note, reassign, move the due date,
resolve), touches logged on an account and the renewal forecast a CSM records.

Each form validates through queries.writeback (a refusal is shown, the typed text stays, and
nothing is written), attributes the write to the signed-in viewer, and writes once: a form's
widget keys and its submission key carry a nonce that changes only after a success. The database
holds the submission key unique, so a double click or a resubmit of the same rendered form is
refused even across app processes, and the next render is a fresh, empty form. After a success
the page reruns, so every number on it, and on every other page, includes the write.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

import polars as pl
import sqlalchemy as sa
import streamlit as st

from components.safe_text import md
from components.state import distinct_labels
from queries import forecasts, roles
from queries import writeback as wb
from queries.db import Warehouse
from queries.definitions import FLAG_DUE_DAYS, TOUCH_KINDS
from queries.labels import CSM_FORECASTS

log = logging.getLogger("cs_cockpit")
# No max_chars on the inputs: Streamlit would silently drop a longer value; the write refuses it
# with a message instead, and the form keeps the text so nothing typed is lost.
LIMIT_HELP = {"NOTE_MAX": f"Up to {wb.NOTE_MAX:,} characters, shown as plain text.",
              "REASON_MAX": f"Up to {wb.REASON_MAX:,} characters, shown as plain text."}
DUE_HELP = ("Leave empty for the default: " + ", ".join(
    f"{days} days for {wb.SEVERITIES[sev]}" for sev, days in sorted(FLAG_DUE_DAYS.items(), reverse=True)) + ".")
_FLASH = "writeback_flash"


class Form:
    """One write form as rendered now. `key(field)` names its widgets and `name` the st.form; both
    carry the nonce, which is also the submission key."""

    def __init__(self, name: str):
        self.slot = f"_form_nonce_{name}"
        self.nonce = st.session_state.setdefault(self.slot, uuid.uuid4().hex)
        self.name = f"{name}-{self.nonce[:8]}"

    def key(self, field: str) -> str:
        return f"{self.name}-{field}"

    def done(self) -> None:
        """After a success: the next render is a new, empty form with a new submission key."""
        st.session_state[self.slot] = uuid.uuid4().hex


def writer_of(viewer) -> wb.Writer:
    return wb.Writer(email=viewer.email, role=viewer.role, team=viewer.team, csm_id=viewer.csm_id)


def show_flash() -> None:
    """The confirmation of the write that triggered this run, if any. Always in a container of its
    own, so that what follows keeps its place (tabs keep the one the user is on)."""
    message = st.session_state.pop(_FLASH, None)
    with st.container():
        if message:
            st.success(md(message), icon=":material/check_circle:")  # it may name people: shown as text


def _attempt(form: Form, write, done: str) -> None:
    """Run one write: a refusal or a lost database is shown in place; a success (or the repeat of
    one) clears the form and reruns the page."""
    try:
        write(form.nonce)
    except wb.AlreadySaved as repeat:
        done = str(repeat)
    except wb.Rejected as refusal:
        st.error(md(str(refusal)), icon=":material/block:")  # it may quote codes, names, emails
        return
    except sa.exc.SQLAlchemyError as err:
        log.error("write-back failed", exc_info=err)
        st.error("The database could not be reached, so this was **not saved**. Everything saved before is "
                 "intact. Try again in a moment.", icon=":material/cloud_off:")
        return
    form.done()
    st.session_state[_FLASH] = done
    st.rerun()


def raise_flag_form(wh: Warehouse, viewer, account_id: int, staff: pl.DataFrame) -> None:
    form = Form("flag_raise")
    people = distinct_labels(roles.people_labels(staff))
    with st.form(form.name, border=True):
        st.markdown("**Raise a risk flag**")
        left, middle, right = st.columns(3)
        severity = left.selectbox("Severity", list(wb.SEVERITIES), index=1, key=form.key("severity"),
                                  format_func=lambda s: f"{s} · {wb.SEVERITIES[s]}")
        owner = middle.selectbox("Follow-up owner", list(people), key=form.key("owner"), format_func=people.get,
                                 index=list(people).index(viewer.email) if viewer.email in people else 0)
        due = right.date_input("Follow up by", value=None, key=form.key("due"), min_value=dt.date.today(),
                               help=DUE_HELP)
        reason = st.text_input("Reason", key=form.key("reason"), placeholder="What is the risk, in a line?",
                               help=LIMIT_HELP["REASON_MAX"])
        note = st.text_area("Note (optional)", key=form.key("note"), help=LIMIT_HELP["NOTE_MAX"])
        if st.form_submit_button("Raise flag", type="primary"):
            _attempt(form, lambda key: wb.raise_flag(wh, writer_of(viewer), account_id, severity, reason, note,
                                                     owner, due, submission=key),
                     f"Risk flag raised: severity {severity}, owner {people.get(owner, owner)}.")


def flag_summary(flag: dict) -> str:
    """One line naming the flag for whoever acts on it: reason, owner, due date, age."""
    due = flag["due_date"]
    state = ("OVERDUE · " if flag["overdue"] else "") + (f"due {due:%d %b %Y}" if due else "no due date")
    return (f"Flag {flag['flag_id']} · severity {flag['severity']} · {flag['reason']} · owner "
            f"{flag['owner_name'] or flag['owner']} · {state} · raised {flag['age_days']} days ago")


def flag_actions(wh: Warehouse, viewer, flag: dict, staff: pl.DataFrame, account: dict) -> None:
    """Note, reassign (leads and above), move the due date and resolve (the owner or a lead), for
    one open flag. Its reason, owner, due date and age head the section."""
    fid = flag["flag_id"]
    st.text(flag_summary(flag))  # user text: shown as text, never as Markdown
    manages = roles.may_manage_flag(viewer, flag["owner"], account["csm_id"], account["team"])
    note_tab, reassign_tab, due_tab, resolve_tab = st.tabs(["Add a note", "Reassign", "Move due date", "Resolve"])
    with note_tab:
        form = Form(f"flag_note_{fid}")
        with st.form(form.name, border=False):
            note = st.text_area("Note", key=form.key("text"), help=LIMIT_HELP["NOTE_MAX"])
            if st.form_submit_button("Add note"):
                _attempt(form, lambda key: wb.note_flag(wh, writer_of(viewer), fid, note, submission=key),
                         "Note added.")
    with reassign_tab:
        if not roles.may_reassign_flags(viewer):
            st.caption("A team lead, leadership or CS operations can reassign a flag.")
        else:
            people = distinct_labels(roles.people_labels(staff))
            form = Form(f"flag_reassign_{fid}")
            with st.form(form.name, border=False):
                current = list(people).index(flag["owner"]) if flag["owner"] in people else 0
                owner = st.selectbox("New owner", list(people), format_func=people.get, key=form.key("owner"),
                                     index=current)
                due = st.date_input("Follow up by (optional)", value=None, key=form.key("due"),
                                    min_value=dt.date.today(), help="Leave empty to keep the current due date.")
                note = st.text_input("Why (optional)", key=form.key("note"), help=LIMIT_HELP["REASON_MAX"])
                if st.form_submit_button("Reassign"):
                    _attempt(form, lambda key: wb.reassign_flag(wh, writer_of(viewer), fid, owner, due, note,
                                                                submission=key),
                             f"Flag {fid} reassigned to {people.get(owner, owner)}.")
    with due_tab:
        if not manages:
            st.caption("The flag's owner or a team lead can move its due date.")
        else:
            form = Form(f"flag_due_{fid}")
            with st.form(form.name, border=False):
                due = st.date_input("New due date", value=None, key=form.key("due"), min_value=dt.date.today())
                note = st.text_input("Why (optional)", key=form.key("note"), help=LIMIT_HELP["REASON_MAX"])
                if st.form_submit_button("Move due date"):
                    _attempt(form, lambda key: wb.move_due_date(wh, writer_of(viewer), fid, due, note,
                                                                submission=key),
                             f"Flag {fid} is now due {due:%d %b %Y}." if due else "Due date moved.")
    with resolve_tab:
        if not manages:
            st.caption("The flag's owner or a team lead can resolve it.")
            return
        form = Form(f"flag_resolve_{fid}")
        with st.form(form.name, border=False):
            note = st.text_area("Resolution note", key=form.key("text"), help=LIMIT_HELP["NOTE_MAX"])
            if st.form_submit_button("Resolve flag"):
                _attempt(form, lambda key: wb.resolve_flag(wh, writer_of(viewer), fid, note, submission=key),
                         f"Flag {fid} resolved.")


def touch_form(wh: Warehouse, viewer, account_id: int) -> None:
    """Log a call, meeting, visit, review or note: it counts toward last touch at once."""
    form = Form(f"touch_{account_id}")
    with st.form(form.name, border=True):
        st.markdown("**Log a touch**")
        left, right = st.columns(2)
        kind = left.selectbox("What", list(TOUCH_KINDS), format_func=TOUCH_KINDS.get, key=form.key("kind"))
        today = dt.date.today()
        day = right.date_input("When", value=today, key=form.key("day"), max_value=today,
                               min_value=today - dt.timedelta(days=wb.TOUCH_BACKDATE_DAYS))
        note = st.text_area("What happened", key=form.key("note"), help=LIMIT_HELP["NOTE_MAX"],
                            placeholder="Who you spoke with, what was agreed, next step")
        if st.form_submit_button("Log touch", type="primary"):
            _attempt(form, lambda key: wb.log_touch(wh, writer_of(viewer), account_id, kind, day, note,
                                                    submission=key),
                     f"{TOUCH_KINDS[kind]} logged for {day:%d %b %Y}: last touch is up to date.")


def churn_tag_form(wh: Warehouse, viewer, account_ids: dict[int, str] | int, key: str) -> None:
    """Tag one account, or several at once (account_ids maps id -> name), with one or more reasons
    from the taxonomy, one of them primary, and a note."""
    codes = wb.reasons(wh)
    labels = dict(zip(codes["code"].to_list(), codes["label"].to_list()))
    form = Form(key)
    with st.form(form.name, border=True):
        st.markdown("**Tag the churn reason**")
        if isinstance(account_ids, dict):
            names = distinct_labels(account_ids)
            chosen = st.multiselect("Accounts", list(account_ids), format_func=names.get, key=form.key("accounts"),
                                    placeholder="Choose the accounts to tag")
        else:
            chosen = [account_ids]
        primary = st.selectbox("Primary reason", list(labels), format_func=labels.get, index=None,
                               key=form.key("primary"), placeholder="Choose the main reason")
        others = st.multiselect("Other reasons (optional)", list(labels), format_func=labels.get,
                                key=form.key("others"))
        note = st.text_area("Note (optional)", key=form.key("note"), help=LIMIT_HELP["NOTE_MAX"])
        if st.form_submit_button("Save tag", type="primary"):
            if not chosen:
                st.error("Choose at least one account.", icon=":material/block:")
                return
            writer = writer_of(viewer)
            _attempt(form, lambda k: wb.tag_churns(wh, writer, chosen, primary,
                                                   [primary, *others] if primary else others, note, submission=k),
                     f"Churn reason saved on {len(chosen)} account(s).")


def reason_codes_admin(wh: Warehouse, viewer) -> None:
    """CS operations keep the taxonomy: a code is retired from new tags, never deleted, since
    existing tags point at it."""
    codes = wb.reasons(wh, include_retired=True)
    st.dataframe(codes, hide_index=True, key="reason_codes_table", column_config={
        "code": st.column_config.TextColumn("Code"), "label": st.column_config.TextColumn("Label"),
        "retired_at": st.column_config.DatetimeColumn("Retired at (UTC)", format="YYYY-MM-DD HH:mm")})
    if not roles.may_retire_reason_codes(viewer):
        st.caption("Only CS operations can retire a reason code.")
        return
    active = codes.filter(codes["retired_at"].is_null())
    labels = dict(zip(active["code"].to_list(), active["label"].to_list()))
    form = Form("reason_retire")
    with st.form(form.name, border=False):
        code = st.selectbox("Retire a reason code", list(labels), format_func=labels.get, index=None,
                            key=form.key("code"), placeholder="Choose a code")
        if st.form_submit_button("Retire"):
            _attempt(form, lambda _key: wb.retire_reason(wh, writer_of(viewer), code), "Reason code retired.")


def weight_proposal_form(wh: Warehouse, viewer, weights: dict[str, float], names: dict[str, str], lead_days: int,
                         quarters: int) -> None:
    """Save the what-if's weights as a proposal (a new version, attributed, with a note) for the
    data team that owns the scoring; the warehouse's score does not change."""
    from queries import weight_proposals
    form = Form("weight_proposal")
    with st.form(form.name, border=True):
        st.markdown("**Save these weights as a proposal**")
        st.text(", ".join(f"{names.get(c, c)}: {w:.0%}" for c, w in weights.items())
                + f" · judged on {quarters} quarters, {lead_days} days before due")
        note = st.text_area("Why (for the data team)", key=form.key("note"), help=LIMIT_HELP["NOTE_MAX"])
        if st.form_submit_button("Save proposal", type="primary"):
            _attempt(form, lambda key: weight_proposals.save(wh, writer_of(viewer), weights, note, lead_days,
                                                             quarters, submission=key),
                     "Proposal saved for the data team. The score shown everywhere is unchanged.")


def forecast_form(wh: Warehouse, viewer, renewal: dict) -> None:
    """Record the CSM forecast of one open renewal: a category, the ARR expected and a note. It
    starts from the latest forecast (else the ARR up), so a change is one edit."""
    categories = CSM_FORECASTS
    form = Form(f"forecast_{renewal['renewal_id']}")
    with st.form(form.name, border=True):
        st.markdown("**Record your forecast**")
        left, right = st.columns(2)
        current = list(categories).index(renewal["csm_forecast"]) if renewal["csm_forecast"] in categories else None
        category = left.selectbox("Forecast category", list(categories), format_func=categories.get, index=current,
                                  key=form.key("category"), placeholder="Choose a category")
        expected = right.number_input("Expected ARR ($)", min_value=None, step=1000.0, format="%.0f",
                                      value=float(renewal["expected_arr"] if renewal["expected_arr"] is not None
                                                  else renewal["arr_up"]), key=form.key("expected"),
                                      help="The ARR you expect this renewal to bring: 0 for a churn.")
        note = st.text_area("Note (optional)", key=form.key("note"), help=LIMIT_HELP["NOTE_MAX"],
                            placeholder="What the call rests on: sponsor, budget, usage, competition")
        if st.form_submit_button("Save forecast", type="primary"):
            if category is None:
                st.error("Choose the forecast category.", icon=":material/block:")
                return
            _attempt(form, lambda key: forecasts.record_forecast(wh, writer_of(viewer), renewal["renewal_id"],
                                                                 category, expected, note, submission=key),
                     f"Forecast saved: {categories[category]}, expecting ${expected:,.0f}.")
