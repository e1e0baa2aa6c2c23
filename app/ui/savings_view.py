"""The Data page's view of a traffic log: Savings against the strongest model, where the
calls went over time, quality where labelled, per-model cost and latency, failed calls."""

from __future__ import annotations

import streamlit as st

from app.present.report import render_traffic
from app.present.savings_out import headline, quality_frame, share_chart, spend_chart, usd
from app.present.text import plain
from app.routing.savings import Savings, savings
from app.store import traffic as traffic_store
from app.store.datasets import Dataset
from app.ui import resources

MODEL_COLUMNS = {
    "model": st.column_config.TextColumn("Model", width="medium"),
    "answered": st.column_config.NumberColumn("Calls", format="%d"),
    "mean_cost_usd": st.column_config.NumberColumn("Mean cost ($/call)", format="$%.6f"),
    "total_cost_usd": st.column_config.NumberColumn("Total cost", format="$%.4f"),
    "mean_latency_ms": st.column_config.NumberColumn("Mean latency", format="%.0f ms"),
}


def traffic_view(dataset: Dataset) -> None:
    """Everything the Data page shows about a traffic log."""
    found = savings(resources.store(), dataset.name)
    _metrics(found)
    st.subheader("Savings")
    for line in headline(found):
        st.markdown(f"- {plain(line)}")
    for note in found.notes:
        st.caption(plain(note))
    left, right = st.columns(2)
    left.vega_lite_chart(*spend_chart(found), key="traffic_spend",
                         alt="Spend as routed against all calls to the strongest model")
    right.vega_lite_chart(*share_chart(found), key="traffic_share",
                          alt="Each model's share of the calls over time")
    st.markdown("**Quality where labelled**")
    st.dataframe(quality_frame(found), hide_index=True, key="traffic_quality")
    st.subheader("Per model")
    models = resources.model_summary(dataset)
    st.dataframe(models[list(MODEL_COLUMNS)], hide_index=True, key="traffic_models",
                 column_config=MODEL_COLUMNS)
    _calls(traffic_store.routed_calls(resources.store(), dataset.id))
    if dataset.notes:
        with st.expander("Import notes (what was merged or skipped)"):
            for note in dataset.notes.splitlines():
                st.markdown(f"- {plain(note)}")
    # rendered when clicked, as the Compare page's report (app/ui/compare_view.py)
    st.download_button("Download the stakeholder report (HTML)", lambda: render_traffic(found),
                       file_name=f"routelab-report-{dataset.name}.html", mime="text/html",
                       type="primary", icon=":material/description:", key="traffic_report",
                       on_click="ignore")


def _metrics(found: Savings) -> None:
    cols = st.columns(5)
    cols[0].metric("Answered calls", f"{found.calls:,}", help=f"{found.failed:,} failed")
    cols[1].metric("Spend", usd(found.spend),
                   help=f"{found.unpriced:,} calls have no known cost" if found.unpriced
                   else "Every answered call's cost as logged (or estimated at import)")
    cols[2].metric("All to the strongest", usd(found.all_strongest),
                   help=plain(f"{found.strongest}: {found.why_strongest}"))
    fraction = found.saved_fraction
    cols[3].metric("Saved", usd(found.saved),
                   delta=f"{fraction:.1%}" if fraction is not None else None,
                   help=f"On the {found.compared:,} calls whose cost and token counts are known")
    overall = found.quality.iloc[0]
    cols[4].metric("Labelled", f"{int(overall['labelled']):,} of {found.calls:,}",
                   help="Label answers on the Label page to measure quality")


def _calls(calls) -> None:
    """The calls as logged (quality empty until labelled), and the failed ones' errors."""
    answered = calls[calls["query_id"].notna()]
    with st.expander("Browse calls", icon=":material/search:"):
        st.dataframe(answered[["line", "started_at", "router", "model", "propensity",
                               "prompt", "latency_ms", "cost_usd", "labels", "quality"]],
                     hide_index=True, key="traffic_calls",
                     column_config={"prompt": st.column_config.TextColumn(width="large")})
    failed = calls[calls["status"] == "failure"]
    if len(failed):
        with st.expander(f"Failed calls ({len(failed):,}): not answers, kept with their "
                         "errors"):
            st.dataframe(failed[["line", "started_at", "model", "error"]], hide_index=True,
                         key="traffic_failures")
