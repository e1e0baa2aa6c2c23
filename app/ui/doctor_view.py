"""The Models page's health checks: the same as `routelab doctor`, run on demand."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import doctor
from app.store.db import Store
from app.ui import state

MARKS = {doctor.OK: "ok", doctor.WARN: "warning", doctor.FAIL: "FAILED"}


def doctor_panel(store: Store) -> None:
    """Buttons for the quick and the full checks, and the last results as a table."""
    with st.expander("Health checks (`routelab doctor`)", icon=":material/medical_services:",
                     expanded=state.DOCTOR in st.session_state):
        st.caption("Python and packages, the llama.cpp build, the database, the model "
                   "server, keys (never shown), Chromium; the full run also loads the "
                   "encoder and has each local model generate a token in a subprocess.")
        quick, full = st.columns(2)
        run = None
        if quick.button("Run the quick checks", icon=":material/bolt:"):
            run = True
        if full.button("Run every check (about 20 s)", icon=":material/fact_check:"):
            run = False
        if run is not None:
            with st.spinner("Checking ..."):
                st.session_state[state.DOCTOR] = list(doctor.run(quick=run, store=store))
        findings = st.session_state.get(state.DOCTOR)
        if findings:
            failed = sum(f.status == doctor.FAIL for f in findings)
            summary = (f"{len(findings)} checks: {failed} failed, "
                       f"{sum(f.status == doctor.WARN for f in findings)} with a warning.")
            (st.error if failed else st.success)(summary)
            st.dataframe(pd.DataFrame([{"status": MARKS[f.status], "check": f.check,
                                        "verdict": f.verdict, "fix": f.fix}
                                       for f in findings]),
                         hide_index=True, key="doctor_table", width="stretch",
                         column_config={"verdict": st.column_config.TextColumn(width="large")})
