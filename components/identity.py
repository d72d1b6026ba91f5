"""Who is looking. The one place that knows how identity arrives.

1. Streamlit's own sign-in (st.login, OIDC) when `[auth]` is configured in secrets.toml;
2. else a trusted header set by an authenticating proxy, when CS_COCKPIT_TRUSTED_EMAIL_HEADER
   names it (only safe behind a proxy that strips that header from client requests);
3. else demo mode: a "view as" picker in the sidebar, clearly labelled.
With sign-in or a proxy, a signed-out or unknown user sees only a prompt, never data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

import polars as pl
import streamlit as st

from components.state import keep

TRUSTED_HEADER_ENV = "CS_COCKPIT_TRUSTED_EMAIL_HEADER"
ROLE_LABELS = {"leader": "Head of CS", "lead": "Team lead", "csm": "CSM", "ops": "CS operations"}


@dataclass(frozen=True)
class Viewer:
    email: str
    name: str
    role: str
    team: str
    csm_id: int
    mode: str  # sso | proxy | demo

    @property
    def sees_everything(self) -> bool:
        return self.role in ("leader", "ops")


def sign_in_mode() -> str:
    try:
        if "auth" in st.secrets:
            return "sso"
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        pass
    return "proxy" if os.environ.get(TRUSTED_HEADER_ENV) else "demo"


def _signed_in_email(mode: str, staff: pl.DataFrame) -> str:
    if mode == "sso":
        if not st.user.get("is_logged_in", False):
            st.title("CS Cockpit")
            st.info("Sign in with your company account to continue.", icon=":material/lock:")
            st.button("Sign in", on_click=st.login, type="primary", key="identity_sign_in")
            st.stop()
        return str(st.user.get("email") or "")
    if mode == "proxy":
        return st.context.headers.get(os.environ[TRUSTED_HEADER_ENV], "")
    people = dict(zip(staff["email"].to_list(),
                      [f"{n} · {ROLE_LABELS.get(r, r)}" + (f" · {t}" if r in ("lead", "csm") else "")
                       for n, r, t in zip(staff["name"], staff["role"], staff["team"])]))
    with st.sidebar:
        st.caption(":material/science: **Demo mode**: no sign-in is configured, so pick who you are.")
        return st.selectbox("View as", list(people), format_func=people.get,
                            key=keep("identity_view_as", staff["email"][0]))


def identify(staff: pl.DataFrame) -> Viewer:
    """The viewer, matched by email to the csms table; stops the run with a prompt otherwise."""
    mode = sign_in_mode()
    email = _signed_in_email(mode, staff).strip().lower()
    match = staff.filter(pl.col("email") == email)
    if match.is_empty():
        st.title("CS Cockpit")
        st.warning("This account is not in the CS team list, so there is nothing to show. Ask CS operations to "
                   "add your email to the team list (the `csms` table).", icon=":material/person_off:")
        sign_out_button(mode)
        st.stop()
    row = match.row(0, named=True)
    return Viewer(email=email, name=row["name"], role=row["role"], team=row["team"], csm_id=row["csm_id"], mode=mode)


def sign_out_button(mode: str) -> None:
    """With Streamlit's sign-in, a way out: st.logout clears the identity cookie and, when the
    provider offers an end_session_endpoint, ends the session there too."""
    if mode == "sso":
        st.button("Sign out", on_click=st.logout, key="identity_sign_out", icon=":material/logout:")


def viewable_csms(staff: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """Whose book the viewer may open: a CSM their own, a lead their team's CSMs, leadership and
    operations every CSM."""
    csms = staff.filter(pl.col("role") == "csm")
    if viewer.sees_everything:
        return csms
    if viewer.role == "lead":
        return csms.filter(pl.col("team") == viewer.team)
    return csms.filter(pl.col("csm_id") == viewer.csm_id)


def writable_scope(filters, viewer: Viewer):
    """The filters narrowed to the accounts the viewer may write on (their own, their team's, or all)."""
    if viewer.sees_everything:
        return filters
    if viewer.role == "lead":
        return replace(filters, teams=(viewer.team,))
    return replace(filters, csm_ids=(viewer.csm_id,))
