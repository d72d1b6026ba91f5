"""CS Cockpit, the router: page config, warehouse check, shared filters, navigation.

Pages never repeat these steps; they read the warehouse, filters and data date from
components.context and only place their own queries and components.
"""
import components.preload  # noqa: F401  (first: a crowd on a fresh server, see its docstring)
import sqlalchemy as sa
import streamlit as st

from components import notices, registry, sidebar
from components.context import publish
from components.identity import ROLE_LABELS, identify, require_sign_in_configured, sign_out_button
from components.safe_text import md
from components.startup import ensure_demo_warehouse
from queries import people, portfolio
from queries.db import current_warehouse, stamp_run, url_problem
from queries.migrations import AppSchemaMissing, ensure_app_tables

st.set_page_config(page_title="CS Cockpit", page_icon=":material/explore:", layout="wide")

wh = current_warehouse()
if problem := url_problem(wh.url):
    notices.bad_warehouse_url(problem)
    st.stop()
sign_in = require_sign_in_configured(wh.is_demo)  # a real warehouse with no sign-in shows nothing
ensure_demo_warehouse(wh)
try:
    ensure_app_tables(wh)
    stamp_run(wh)  # the app tables' data version, once per run: other servers' writes show now
    as_of = portfolio.data_as_of(wh)
    staff = people.staff(wh)
except AppSchemaMissing as missing:
    notices.app_schema_missing(missing)
    st.stop()
except sa.exc.SQLAlchemyError as err:
    notices.warehouse_unreachable(wh, err)
    st.stop()

viewer = identify(staff, sign_in, wh.is_demo)
navigation = st.navigation(registry.navigation(viewer.role))
filters = sidebar.render_filters(staff.filter(staff["role"] == "csm"), viewer)
publish(wh, filters, as_of, viewer)
with st.sidebar:
    if viewer.mode != "demo":
        st.caption(f"Signed in as {md(viewer.name)} ({md(ROLE_LABELS.get(viewer.role, viewer.role))})")
        sign_out_button(viewer.mode)
    st.caption(("Demo data (embedded DuckDB, synthetic)" if wh.is_demo
                else f"Warehouse: {wh.kind}") + f" · data as of {as_of:%d %b %Y}")

try:
    navigation.run()
except sa.exc.SQLAlchemyError as err:
    notices.warehouse_unreachable(wh, err)
