"""Who is looking. The one place that knows how identity arrives.

1. Streamlit's own sign-in (st.login, OIDC) when `[auth]` is configured in secrets.toml;
2. else a trusted header set by an authenticating proxy, when CS_COCKPIT_TRUSTED_EMAIL_HEADER
   names it. The proxy must also send the shared secret CS_COCKPIT_PROXY_SECRET in the header
   CS_COCKPIT_PROXY_SECRET_HEADER: a client that reaches the port directly cannot know it, so a
   forged email header alone signs in nobody;
3. else the demo "view as" picker, only on the embedded demo warehouse, or where an operator opts
   in with CS_COCKPIT_UNSAFE_DEMO_IDENTITY=1 (then every page says that anyone can act as anyone);
4. else (a real warehouse with no sign-in) a setup page and no data at all.
With sign-in or a proxy, a signed-out or unknown user sees only a prompt, never data.
What each role may do is not decided here: queries.roles is the one home of those rules.
"""
from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass

import polars as pl
import streamlit as st

from components.state import distinct_labels
from queries import roles

TRUSTED_HEADER_ENV = "CS_COCKPIT_TRUSTED_EMAIL_HEADER"
PROXY_SECRET_ENV = "CS_COCKPIT_PROXY_SECRET"
PROXY_SECRET_HEADER_ENV = "CS_COCKPIT_PROXY_SECRET_HEADER"
DEFAULT_PROXY_SECRET_HEADER = "X-Cockpit-Proxy-Secret"
UNSAFE_DEMO_ENV = "CS_COCKPIT_UNSAFE_DEMO_IDENTITY"
PROXY_SECRET_MIN = 32
ROLE_LABELS = roles.LABELS
_EMAIL = re.compile(r"[^\s@,;<>\"'\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,63}")


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
        return roles.sees_everything(self)


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def sign_in_mode(is_demo_warehouse: bool) -> str:
    """sso | proxy | demo | setup (no identity can be established: show how to configure one)."""
    if _auth_configured():
        return "sso"
    if os.environ.get(TRUSTED_HEADER_ENV):
        return "proxy" if len(os.environ.get(PROXY_SECRET_ENV, "")) >= PROXY_SECRET_MIN else "setup"
    if is_demo_warehouse or os.environ.get(UNSAFE_DEMO_ENV) == "1":
        return "demo"
    return "setup"


class Refused(Exception):
    """A request whose identity cannot be trusted; the message is for the user."""


def proxy_email(headers, email_header: str, secret_header: str, secret: str) -> str:
    """The email the trusted proxy vouches for, or Refused.

    The proxy proves itself with the shared secret (compared in constant time). A header sent
    twice, or a value that is not one plain email address, is refused: a proxy that appends to a
    client's forged header instead of replacing it must not let the client's value through."""
    secrets = headers.get_all(secret_header)
    if len(secrets) != 1 or not hmac.compare_digest(secrets[0].encode(), secret.encode()):
        raise Refused("This request did not come through the company's sign-in proxy.")
    emails = headers.get_all(email_header)
    if len(emails) != 1:
        raise Refused("The sign-in proxy sent no email address, or more than one.")
    email = emails[0].strip()
    if not _EMAIL.fullmatch(email):
        raise Refused("The sign-in proxy sent a value that is not one email address.")
    return email


def _setup_page() -> None:
    st.title("CS Cockpit: sign-in is not configured")
    st.error("This app is connected to a real warehouse but has no way to know who is looking, so it "
             "shows no data.", icon=":material/lock:")
    st.markdown(f"""
Configure one of these (see the README's *Who is looking* section), then restart the app:

1. **OpenID Connect sign-in**: an `[auth]` section in `.streamlit/secrets.toml` with `redirect_uri`,
   `cookie_secret`, `client_id`, `client_secret` and `server_metadata_url`.
2. **An authenticating proxy**: set `{TRUSTED_HEADER_ENV}` to the header carrying the user's email and
   `{PROXY_SECRET_ENV}` to a random secret of at least {PROXY_SECRET_MIN} characters that the proxy
   sends in `{DEFAULT_PROXY_SECRET_HEADER}` (or the header named by `{PROXY_SECRET_HEADER_ENV}`). Bind
   Streamlit to 127.0.0.1 behind the proxy.

For a throw-away trial only, `{UNSAFE_DEMO_ENV}=1` lets anyone pick who they are.
""")
    st.stop()


def _stop_refused(message: str) -> None:
    st.title("CS Cockpit")
    st.error(message, icon=":material/block:")
    st.stop()


def _demo_picker(staff: pl.DataFrame, is_demo_warehouse: bool) -> str:
    people = distinct_labels(roles.people_labels(staff))
    if not is_demo_warehouse:
        st.warning(f"**Unsafe demo identity is on** ({UNSAFE_DEMO_ENV}=1): anyone can act as anyone here, "
                   "including writing as the Head of CS. Configure sign-in before real use.",
                   icon=":material/warning:")
    # The choice is bound to the URL (the key is the parameter), so a reload or a page change keeps
    # it; a value that names nobody is dropped by Streamlit. Only this picker, so only the demo,
    # ever reads an identity from the URL.
    with st.sidebar:
        st.caption(":material/science: **Demo mode**: no sign-in is configured, so pick who you are.")
        chosen = st.selectbox("View as", list(people), format_func=people.get, key="identity_view_as",
                              bind="query-params")
    return chosen


def _signed_in_email(mode: str, staff: pl.DataFrame, is_demo_warehouse: bool) -> str:
    if mode == "sso":
        if not st.user.get("is_logged_in", False):
            st.title("CS Cockpit")
            st.info("Sign in with your company account to continue.", icon=":material/lock:")
            st.button("Sign in", on_click=st.login, type="primary", key="identity_sign_in")
            st.stop()
        return str(st.user.get("email") or "")
    if mode == "proxy":
        try:
            return proxy_email(st.context.headers, os.environ[TRUSTED_HEADER_ENV],
                               os.environ.get(PROXY_SECRET_HEADER_ENV) or DEFAULT_PROXY_SECRET_HEADER,
                               os.environ[PROXY_SECRET_ENV])
        except Refused as refusal:
            _stop_refused(str(refusal))
    return _demo_picker(staff, is_demo_warehouse)


def require_sign_in_configured(is_demo_warehouse: bool) -> str:
    """Before any data is read: the sign-in mode, or the setup page (and stop)."""
    mode = sign_in_mode(is_demo_warehouse)
    if mode == "setup":
        _setup_page()
    return mode


def identify(staff: pl.DataFrame, mode: str, is_demo_warehouse: bool) -> Viewer:
    """The viewer, matched by email to the csms table; stops the run with a prompt otherwise."""
    email = _signed_in_email(mode, staff, is_demo_warehouse).strip().lower()
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
