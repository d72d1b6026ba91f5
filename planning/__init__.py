"""Pure planning logic (no database, no Streamlit): suggestions computed from query results."""
