"""Compare: saved routers on one cost-quality chart with the field's standard metrics."""

import streamlit as st

from app.data.importers import traffic
from app.routing.configs import default_configs, saved_configs
from app.store.datasets import id_of
from app.ui import resources
from app.ui.compare_view import budgets_input, run, sample_input, show
from app.ui.context import page_context
from app.ui.preference_view import show_preferences

ctx = page_context()
store, dataset = ctx.store, ctx.require_dataset()
if dataset.format == "pairwise":  # battles, not scores: routers are compared by win rate
    show_preferences(store, dataset)
    st.stop()
if dataset.format == traffic.FORMAT:  # one answer per call: nothing to compare offline
    st.info("This is a traffic log: each call has one answer, the deployed router's, so "
            "routers cannot be compared on it offline. Its Data page shows what the traffic "
            "cost against the strongest model (Savings); the Learning page estimates saved "
            "routers' value from its labelled calls.", icon=":material/info:")
    st.page_link("../pages/data.py", label="Savings (Data page)", icon=":material/savings:")
    st.page_link("../pages/learning.py", label="Off-policy estimates (Learning page)",
                 icon=":material/insights:")
    st.stop()
models = list(resources.outcome_matrix(dataset).models)
saved = {c.name: c for c in saved_configs(store)}
defaults = {c.name: c for c in default_configs()}
options = list(saved) + [n for n in defaults if n not in saved]
chosen = st.multiselect(
    "Routers", options, key="compare_routers",
    default=[n for n, c in saved.items() if c.dataset == dataset.name][:6]
    or ["knn", "centroid", "predictive"],
    help="Saved routers (Routers page) and every registered router with default settings")
left, middle, right = st.columns(3)
strong = left.selectbox("Strong model (APGR)", models, key="compare_strong", index=None,
                        placeholder="the best single model")
weak = middle.selectbox("Weak model (APGR)", models, key="compare_weak", index=None,
                        placeholder="the cheapest model")
n_boot = right.select_slider("Bootstrap resamples", [0, 200, 500, 1000], value=500,
                             key="compare_boot")
probes = f"{dataset.name}-probes"
has_probes = id_of(store, probes) is not None
with_probes = has_probes and st.checkbox(
    f"Add self-consistency routing, evaluated offline from the probe samples in '{probes}'",
    value=True, key="compare_probes")
if not chosen:
    st.info("Pick routers to compare.")
    st.stop()
kept = st.multiselect("Models", models, default=models, key="compare_models",
                      help="Compare on fewer models when few queries were answered by all")
sample_limit = sample_input(dataset)
budgets = budgets_input(resources.routing_data(dataset, None, sample_limit)) if st.toggle(
    "Quality at a budget", key="compare_budgets_on",
    help="Cross-validated operating points per budget (slower)") else ()
configs = [saved.get(n) or defaults[n] for n in chosen]
pair = (strong, weak) if strong and weak and strong != weak else None
computed = run(dataset, configs, pair, n_boot, probes if with_probes else None,
               None if set(kept) == set(models) else kept, budgets, sample_limit)
if computed is not None:
    result, computed_at = computed
    show(result, dataset.name, computed_at)
