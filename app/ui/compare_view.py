"""The Compare page's pieces: running a comparison with progress, and showing it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import streamlit as st

from app.embed.embeddings import default_encoder
from app.present.compare_charts import cost_quality, slices_heatmap
from app.present.comparison_tables import budget_frame, cost_column, metrics_frame
from app.present.report import render
from app.present.text import plain
from app.routing import remembered
from app.routing.budgets import best_single
from app.routing.comparison import Comparison, compare, summary
from app.routing.configs import SAMPLE_LIMIT, RouterConfig, RouterProblem
from app.store.datasets import Dataset
from app.ui import background, resources
from routers.base import column_means

SAMPLE_SIZES = sorted({10_000, SAMPLE_LIMIT, 100_000, 300_000})  # offered on a bigger log


def budgets_input(data) -> tuple[float, ...]:
    """Budgets (USD per query) typed by the user in USD per 1,000 queries; suggested: 10%,
    25% and 50% of the best single model's cost on the training split ($0.5, $1.25 and
    $2.5 on RouterBench, where GPT-4 costs $5)."""
    train = data.outcomes.subset(data.train)
    best = train.column(best_single(train)) if len(train.models) else None
    cost = column_means(train.cost, fill=0.0)[best] * 1000 if best is not None else 0.0
    suggested = ", ".join(f"{nice(cost * f):g}" for f in (0.1, 0.25, 0.5)) if cost > 0 else ""
    typed = st.text_input("Budgets (USD per 1,000 queries, comma-separated)", suggested,
                          key="compare_budgets",
                          help="Each router's quality on its hull and at the operating point "
                               "chosen for the budget by 5-fold cross-validation on the "
                               "training split (5 more fits per router)")
    try:
        values = tuple(float(v) for v in typed.replace(";", ",").split(",") if v.strip())
    except ValueError:
        st.error(f"Budgets must be numbers separated by commas, like 0.5, 1.25; not "
                 f"'{plain(typed)}'.")
        return ()
    if any(v <= 0 for v in values):
        st.error("Budgets must be positive amounts of USD per 1,000 queries.")
        return ()
    return tuple(v / 1000 for v in values)


def nice(value: float) -> float:
    """The nearest of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten."""
    power = 10.0 ** np.floor(np.log10(value))
    steps = np.array([1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
    return float(steps[np.argmin(np.abs(steps * power - value))] * power)


def sample_input(dataset: Dataset) -> int:
    """How many of a big log's queries to compare on; a log of at most SAMPLE_LIMIT queries
    is compared whole, with no control shown. "All" is offered up to the largest size:
    beyond it a sample's first comparison would embed for an hour and hold gigabytes."""
    if dataset.queries <= SAMPLE_LIMIT:
        return SAMPLE_LIMIT
    sizes = [n for n in SAMPLE_SIZES if n < dataset.queries]
    if dataset.queries <= SAMPLE_SIZES[-1]:
        sizes.append(dataset.queries)
    size = st.select_slider(
        "Queries compared", sizes, value=SAMPLE_LIMIT, key="compare_sample",
        format_func=lambda n: f"all {n:,}" if n == dataset.queries else f"{n:,}",
        help=f"A seeded sample of the log's {dataset.queries:,} queries, split by text "
             f"into train and test. More queries narrow the intervals and take longer: "
             f"{SAMPLE_LIMIT:,} take about a minute for the default routers on 2 cores.")
    if size > SAMPLE_LIMIT:
        st.caption(f"{size:,} queries: the first comparison embeds the ones not embedded "
                   "yet (MiniLM: about 140-350 a second on 2 cores, fewer for longer "
                   "prompts) and trains every router on more; expect minutes.")
    return size


def run(dataset: Dataset, configs: list[RouterConfig], pair, n_boot: int,
        probes: str | None = None, models: list[str] | None = None,
        budgets: tuple[float, ...] = (), sample_limit: int = SAMPLE_LIMIT
        ) -> tuple[Comparison, dt.datetime | None] | None:
    """(the comparison, when it was computed and kept on disk or None if it could not be
    kept): from the server's shared cache (the same question on the same data, by any
    session), the one kept on disk, or computed now on a worker thread with a progress
    bar: a click meanwhile stops only the waiting, not the work."""
    store = resources.store()
    question = dict(pair=pair, n_boot=n_boot, probes=probes, models=models, budgets=budgets,
                    sample_limit=sample_limit)
    # one key for the server's cache, the disk and the job: the question, the data, the code
    key = remembered.digest(store, dataset.name, configs, **question)
    cache = resources.comparisons()
    found = cache.get(key)
    if found is not None:
        return found
    kept = remembered.load(key)  # computed before this server started
    if kept is not None:
        cache.put(key, kept)
        return kept

    inputs = resources.routing_cache()  # shared with the pages: loaded once for both
    encoder = (configs[0].encoder if configs else None) or default_encoder()

    def work(report: background.Report) -> tuple[Comparison, dt.datetime | None]:
        data = inputs.data_for(store, dataset, encoder, sample_limit, report)
        trained = remembered.TrainedRouters(store, dataset.name, models=models,
                                            budgets=budgets, n_boot=n_boot,
                                            sample_limit=sample_limit)
        result = compare(store, dataset.name, configs, data=data, **question, progress=report,
                         trained=trained)  # routers trained for another line-up: reused
        kept = remembered.save(key, result)  # kept even when every waiting run was stopped
        return result, (dt.datetime.now() if kept else None)

    bar = st.progress(0.0, text="Starting the comparison ...")
    try:
        computed = background.jobs().wait(key, work, show=lambda stage, fraction:
                                           bar.progress(fraction, text=stage))
    except RouterProblem as exc:
        bar.empty()
        st.error(plain(exc))
        return None
    bar.empty()
    cache.put(key, computed)
    return computed


@st.cache_resource(show_spinner=False)
def _shown_charts() -> resources.SharedResults:
    """Each shown comparison's charts, keyed by the comparison itself."""
    return resources.SharedResults(size=6)


def charts(result: Comparison):
    """(cost-quality chart, per-task heatmap), each (data, Vega-Lite spec), built once per
    comparison: every run of the page (any widget, a new tab) shows the same result. A
    Comparison hashes by identity (eq=False), so it is its own key."""
    cache = _shown_charts()
    found = cache.get(result)
    if found is None:
        found = (cost_quality(result), slices_heatmap(result))
        cache.put(result, found)
    return found


def show(result: Comparison, dataset_name: str, kept_at: dt.datetime | None) -> None:
    kept = (f" Computed {kept_at:%Y-%m-%d %H:%M} and kept on disk: the same question on "
            "the same data and code is answered without training again." if kept_at else "")
    st.caption(f"Test split: {result.test_size:,} queries where every model answered "
               f"({result.split_note}).{kept}")
    for note in result.notes:
        st.info(plain(note), icon=":material/info:")
    for line in summary(result):
        st.markdown(f"- {plain(line)}")
    chart, by_task = charts(result)
    st.vega_lite_chart(*chart, key="compare_chart",
                       alt="Each router's quality against its cost, beside the single models, "
                           "the oracle, random routing and the Zero router")
    if any(not c.deployable for c in {**result.routers, **result.references}.values()):
        st.caption("**[not deployable]**: reads the gold label or a reference answer while "
                   "deciding (the oracle, offline simulated judges). An upper bound, not a "
                   "result a deployment can reach. Dotted lines on the chart; large dots mark "
                   "each router's headline point (quality first; full chain for cascades).")
    st.subheader("Metrics")
    share = result.axis.kind == "share"
    money = {c: st.column_config.NumberColumn(format="%.1f%%" if share else "$%.6f")
             for c in (cost_column(result), "at cost")}
    frame = metrics_frame(result)
    if share:  # shown as percentages
        for column in money:
            frame[column] = frame[column] * 100
    st.dataframe(frame, hide_index=True, key="compare_metrics",
                 column_config={c: st.column_config.NumberColumn(format="%.4f") for c in (
                     "quality", "AIQ", "best quality", "APGR", "arena score",
                     "regret vs oracle", "CPT(50%)", "CPT(80%)")} | money | {
                     "deployable": st.column_config.CheckboxColumn("deployable")})
    if result.budgets:
        st.subheader("Quality at a budget")
        st.caption("**On its hull**: the quality the curve's non-decreasing convex hull "
                   "reaches at that cost (RouterBench; what AIQ integrates). **At its "
                   "point**: the operating point chosen for the budget by 5-fold "
                   "cross-validation on the training split, then read once on the test "
                   "split: what a deployment at that budget gets. Every choice (features, "
                   "hyperparameters, thresholds, λ) is made on the training split.")
        st.dataframe(budget_frame(result), hide_index=True, key="compare_budget_table",
                     column_config={"deployable": st.column_config.CheckboxColumn()} | {
                         c: st.column_config.NumberColumn(format="%.3f") for c in (
                             "on its hull", "at its point")} | {
                         "vs best single model": st.column_config.NumberColumn(
                             format="%+.3f", help="Paired difference with the best single "
                             "model (chosen on training) on the same test queries")} | {
                         c: st.column_config.NumberColumn(format="$%.3f") for c in (
                             "budget ($/1k)", "point cost ($/1k)", "training cost ($/1k)")})
    st.subheader("By task")
    st.vega_lite_chart(*by_task, key="compare_slices",
                       alt="Each router's and model's quality on each task")
    st.subheader("Where each router misroutes")
    cols = st.columns(min(4, max(1, len(result.routers))))
    for i, name in enumerate(result.routers):
        cols[i % len(cols)].page_link(
            "../pages/map.py", label=f"{plain(name)} on the Map",
            icon=":material/scatter_plot:",
            query_params={"dataset": dataset_name, "map_colour": "a router's regret",
                          "map_router": name})
    # rendered only when clicked (on its own thread), not on every run of the page; no
    # rerun on the click: a rerun ending before the browser fetches the rendered file drops
    # it as unreferenced (a lost download, seen once under load)
    st.download_button("Download the stakeholder report (HTML)", lambda: render(result),
                       file_name=f"routelab-report-{dataset_name}.html", mime="text/html",
                       type="primary", icon=":material/description:", key="report",
                       on_click="ignore")
