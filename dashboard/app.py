"""The reliability dashboard: `nines dashboard [--db runs.duckdb]` starts it with streamlit.

The store comes from NINES_DB (set by `nines dashboard`); the page, run and episode from the
sidebar or the URL (?page=Replays&run=...&episode=...), so pages can link to each other.
Every page reads the store through dashboard.store_queries (aggregates only).
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard import (console_page, curves_page, families_page, nines_page, regression_page, replays_page,
                       teleop_page)
from dashboard.store_access import open_store, store_problem

PAGES = {"Nines": nines_page.show, "Curves": curves_page.show, "Families": families_page.show,
         "Teleop": teleop_page.show, "Regression": regression_page.show, "Replays": replays_page.show,
         "Console": console_page.show}


def main() -> None:
    st.set_page_config(page_title="nines", layout="wide")
    db = Path(os.environ.get("NINES_DB", "runs.duckdb"))
    asked = st.query_params.get("page", "Nines")
    page = st.sidebar.radio("page", list(PAGES), index=list(PAGES).index(asked) if asked in PAGES else 0)
    st.sidebar.caption(f"store: {db}")
    if page == "Console":  # the live page works while a run holds the store
        console_page.show(db)
        return
    problem = store_problem(db)
    if problem:
        st.warning(problem)
        return
    con = open_store(db)
    try:
        PAGES[page](con, db)
    finally:
        con.close()


main()
