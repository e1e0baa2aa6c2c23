"""The Compare page's panel for a pairwise dataset: routers' win rates against a reference.

A preference log has no per-model scores, so there is no cost-quality curve to draw;
instead every preference router is trained on the training battles and scored by how
often its pick beats the reference model's answer on the test battles.
"""

from __future__ import annotations

import streamlit as st

from app.embed.embeddings import default_encoder
from app.present.preference_figures import win_rate_bars, win_rate_frame
from app.present.text import plain
from app.routing.configs import RouterProblem
from app.routing.preferences import default_reference
from app.store.datasets import Dataset
from app.store.db import Store
from app.ui import resources
from routers.pairwise import PREFERENCE_ROUTERS

WIN_RATE_COLUMNS = {
    "name": st.column_config.TextColumn("Router or baseline", width="medium"),
    "win_rate": st.column_config.ProgressColumn("Win rate", min_value=0.0, max_value=1.0,
                                                format="%.3f"),
    "ci_low": st.column_config.NumberColumn("CI low", format="%.3f"),
    "ci_high": st.column_config.NumberColumn("CI high", format="%.3f"),
    "battles": st.column_config.NumberColumn("Test battles", format="%d"),
    "deployable": st.column_config.CheckboxColumn(
        "Deployable", help="The oracle reads each battle's verdict to choose: no deployment "
                           "can do that"),
}


def show_preferences(store: Store, dataset: Dataset, *, encoder: str | None = None,
                     n_boot: int = 500) -> None:
    """Reference picker, win-rate table and bar chart for a pairwise dataset. `store` is
    the page's store (the cached loaders read the same one)."""
    encoder = encoder or default_encoder()
    try:
        with st.spinner("Embedding the prompts (first time only) ..."):
            data = resources.preference_data(dataset, encoder)
        models = list(data.battles.models)
        default = default_reference(data)
        reference = st.selectbox(
            "Reference model", models, index=models.index(default), key="pref_reference",
            help="Win rate = how often the router's pick beats this model's answer on the "
                 "test battles against it (picking the reference itself counts 0.5). The "
                 "default, the model in most training battles, is chosen on the training "
                 "split.")
        with st.spinner("Training the preference routers ..."):
            evaluation = resources.preference_evaluation(dataset, encoder, reference, n_boot)
    except RouterProblem as exc:
        st.error(plain(exc), icon=":material/error:")
        return
    st.caption(f"Split: {plain(evaluation.split_note)}. Routers learn from "
               f"{evaluation.train_battles:,} training battles; win rates are over the "
               f"{evaluation.test_battles:,} test battles involving {plain(reference)}, with "
               f"{n_boot} bootstrap resamples of prompts for the 95% intervals.")
    st.vega_lite_chart(*win_rate_bars(evaluation, tuple(PREFERENCE_ROUTERS)),
                       key="pref_win_rates", alt=f"Each router's win rate against "
                       f"{reference}, with 95% intervals")
    st.dataframe(win_rate_frame(evaluation), hide_index=True, key="pref_table",
                 column_config=WIN_RATE_COLUMNS)
    st.caption("Routers: " + "; ".join(f"{name}: {plain(cls.title)}"
                                       for name, cls in PREFERENCE_ROUTERS.items()))
