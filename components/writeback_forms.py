"""The write-back forms: churn-reason tags and risk flags.

Each form validates through queries.writeback (a refusal is shown, and nothing is written),
attributes the write to the signed-in viewer, and after a success reruns the page so that
every number on it, and on every other page, already includes the write.
"""
from __future__ import annotations

import datetime as dt
import logging

import polars as pl
import sqlalchemy as sa
import streamlit as st

from components.safe_text import md
from queries import writeback as wb
from queries.db import Warehouse

log = logging.getLogger("cs_cockpit")
# No max_chars on the inputs: Streamlit would silently drop a longer value; the write refuses it
# with a message instead, and the form keeps the text so nothing typed is lost.
LIMIT_HELP = {"NOTE_MAX": f"Up to {wb.NOTE_MAX:,} characters, shown as plain text.",
              "REASON_MAX": f"Up to {wb.REASON_MAX:,} characters, shown as plain text."}
_FLASH = "writeback_flash"


def writer_of(viewer) -> wb.Writer:
    return wb.Writer(email=viewer.email, role=viewer.role, team=viewer.team, csm_id=viewer.csm_id)


def show_flash() -> None:
    """The confirmation of the write that triggered this run, if any."""
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def _attempt(write, done: str) -> None:
    """Run one write: a refusal or a lost database is shown in place; a success reruns the page."""
    try:
        write()
    except wb.Rejected as refusal:
        st.error(md(str(refusal)), icon=":material/block:")  # it may quote codes, names, emails
        return
    except sa.exc.SQLAlchemyError as err:
        log.error("write-back failed", exc_info=err)
        st.error("The database could not be reached, so this was **not saved**. Everything saved before is "
                 "intact. Try again in a moment.", icon=":material/cloud_off:")
        return
    st.session_state[_FLASH] = done
    st.rerun()


def _people(staff: pl.DataFrame) -> dict[str, str]:
    return dict(zip(staff["email"].to_list(), [f"{n} ({r})" for n, r in zip(staff["name"], staff["role"])]))


def raise_flag_form(wh: Warehouse, viewer, account_id: int, staff: pl.DataFrame) -> None:
    people = _people(staff)
    with st.form("flag_raise", border=True):
        st.markdown("**Raise a risk flag**")
        left, right = st.columns(2)
        severity = left.selectbox("Severity", list(wb.SEVERITIES), index=1, key="flag_severity",
                                  format_func=lambda s: f"{s} · {wb.SEVERITIES[s]}")
        owner = right.selectbox("Follow-up owner", list(people), key="flag_owner", format_func=people.get,
                                index=list(people).index(viewer.email) if viewer.email in people else 0)
        reason = st.text_input("Reason", key="flag_reason", placeholder="What is the risk, in a line?", help=LIMIT_HELP["REASON_MAX"])
        note = st.text_area("Note (optional)", key="flag_note", help=LIMIT_HELP["NOTE_MAX"])
        due = st.date_input("Follow up by (optional)", value=None, key="flag_due", min_value=dt.date.today())
        if st.form_submit_button("Raise flag", type="primary"):
            _attempt(lambda: wb.raise_flag(wh, writer_of(viewer), account_id, severity, reason, note, owner, due),
                     "Risk flag raised.")


def flag_actions(wh: Warehouse, viewer, flag: dict, staff: pl.DataFrame) -> None:
    """Note, reassign (leads and above), resolve (the owner or a lead), for one open flag."""
    fid = flag["flag_id"]
    note_tab, reassign_tab, resolve_tab = st.tabs(["Add a note", "Reassign", "Resolve"])
    with note_tab, st.form(f"flag_note_{fid}", border=False):
        note = st.text_area("Note", key=f"flag_note_text_{fid}", help=LIMIT_HELP["NOTE_MAX"])
        if st.form_submit_button("Add note"):
            _attempt(lambda: wb.note_flag(wh, writer_of(viewer), fid, note), "Note added.")
    with reassign_tab:
        if viewer.role == "csm":
            st.caption("A team lead, leadership or CS operations can reassign a flag.")
        else:
            people = _people(staff)
            with st.form(f"flag_reassign_{fid}", border=False):
                owner = st.selectbox("New owner", list(people), format_func=people.get, key=f"flag_owner_{fid}")
                due = st.date_input("Follow up by (optional)", value=None, key=f"flag_due_{fid}")
                note = st.text_input("Why (optional)", key=f"flag_reassign_note_{fid}", help=LIMIT_HELP["REASON_MAX"])
                if st.form_submit_button("Reassign"):
                    _attempt(lambda: wb.reassign_flag(wh, writer_of(viewer), fid, owner, due, note), "Flag reassigned.")
    with resolve_tab, st.form(f"flag_resolve_{fid}", border=False):
        note = st.text_area("Resolution note", key=f"flag_resolution_{fid}", help=LIMIT_HELP["NOTE_MAX"])
        if st.form_submit_button("Resolve flag"):
            _attempt(lambda: wb.resolve_flag(wh, writer_of(viewer), fid, note), "Flag resolved.")


def churn_tag_form(wh: Warehouse, viewer, account_ids: dict[int, str] | int, key: str) -> None:
    """Tag one account, or several at once (account_ids maps id -> name), with one or more reasons
    from the taxonomy, one of them primary, and a note."""
    codes = wb.reasons(wh)
    labels = dict(zip(codes["code"].to_list(), codes["label"].to_list()))
    with st.form(key, border=True):
        st.markdown("**Tag the churn reason**")
        if isinstance(account_ids, dict):
            chosen = st.multiselect("Accounts", list(account_ids), format_func=account_ids.get, key=f"{key}_accounts",
                                    placeholder="Choose the accounts to tag")
        else:
            chosen = [account_ids]
        primary = st.selectbox("Primary reason", list(labels), format_func=labels.get, index=None,
                               key=f"{key}_primary", placeholder="Choose the main reason")
        others = st.multiselect("Other reasons (optional)", list(labels), format_func=labels.get, key=f"{key}_others")
        note = st.text_area("Note (optional)", key=f"{key}_note", help=LIMIT_HELP["NOTE_MAX"])
        if st.form_submit_button("Save tag", type="primary"):
            if not chosen:
                st.error("Choose at least one account.", icon=":material/block:")
                return
            writer = writer_of(viewer)
            _attempt(lambda: wb.tag_churns(wh, writer, chosen, primary, [primary, *others] if primary else others,
                                           note), f"Churn reason saved on {len(chosen)} account(s).")


def reason_codes_admin(wh: Warehouse, viewer) -> None:
    """CS operations keep the taxonomy: a code is retired from new tags, never deleted, since
    existing tags point at it."""
    codes = wb.reasons(wh, include_retired=True)
    st.dataframe(codes, hide_index=True, key="reason_codes_table", column_config={
        "code": st.column_config.TextColumn("Code"), "label": st.column_config.TextColumn("Label"),
        "retired_at": st.column_config.DatetimeColumn("Retired at (UTC)", format="YYYY-MM-DD HH:mm")})
    if viewer.role != "ops":
        st.caption("Only CS operations can retire a reason code.")
        return
    active = codes.filter(codes["retired_at"].is_null())
    labels = dict(zip(active["code"].to_list(), active["label"].to_list()))
    with st.form("reason_retire", border=False):
        code = st.selectbox("Retire a reason code", list(labels), format_func=labels.get, index=None,
                            key="reason_retire_code", placeholder="Choose a code")
        if st.form_submit_button("Retire"):
            _attempt(lambda: wb.retire_reason(wh, writer_of(viewer), code), "Reason code retired.")
