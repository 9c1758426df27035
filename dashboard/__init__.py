"""The Streamlit dashboard. Empty until issue 7."""
