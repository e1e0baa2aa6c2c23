"""The Learning page's panel for a traffic log: the deployed router's value on its own
labelled calls beside off-policy estimates of every saved router's."""

from __future__ import annotations

import streamlit as st

from app.data.importers import traffic
from app.embed.embeddings import default_encoder
from app.present.text import plain
from app.routing import catalog, learning
from app.routing.configs import RouterProblem, saved_configs
from app.routing.feedback import BanditBook
from app.routing.operating import point_of
from app.routing.traffic_policy import (
    MIN_MATCHES,
    SavedRouter,
    reward_predictions,
    traffic_estimates,
)
from app.store import datasets
from app.ui import resources
from app.ui.context import PageContext

NUMBER_COLUMNS = {c: st.column_config.NumberColumn(format="%.3f") for c in (
    "value", "IPS", "self-normalised IPS", "doubly robust")}


def traffic_policy_panel(ctx: PageContext, book: BanditBook) -> None:
    """The table, what it rests on, and which estimates rest on too few calls."""
    saved, skipped = _saved_routers(ctx)
    model = learning.reward_model(ctx.store, book.encoder)
    found = traffic_estimates(ctx.store, ctx.dataset.name, saved,
                              reward_predictions(ctx.store, model, book.encoder))
    if not found.events:
        st.info(f"None of the {found.calls:,} answered calls is labelled yet: judge answers "
                "on the Label page, then compare routers here.")
        return
    st.caption(f"{found.events:,} labelled calls of {found.calls:,} answered"
               + (f"; {found.fallbacks:,} fallbacks left out (no router chose them)"
                  if found.fallbacks else "") + ".")
    if found.deterministic:
        st.info("The deployed router is deterministic (propensity 1 on every call): a saved "
                "router's IPS counts only the calls where it picks the model that answered; "
                "'matches' says how many.", icon=":material/info:")
    table = found.table.assign(note=[
        "" if enough else f"only {matches} matching calls: unreliable"
        for enough, matches in zip(found.table["enough"], found.table["matches"],
                                   strict=True)]).drop(columns=["enough"])
    st.dataframe(table, hide_index=True, key="traffic_off_policy", column_config=NUMBER_COLUMNS)
    few = found.table[~found.table["enough"]]
    if len(few):
        st.warning("Too few calls to trust: " + "; ".join(
            f"{plain(r.router)} rests on {r.matches} (fewer than {MIN_MATCHES})"
            for r in few.itertuples()) + ".", icon=":material/warning:")
    st.caption("Deployed: the mean label of its own calls (on-policy). Saved routers: IPS "
               "and self-normalised IPS reweight the labelled calls where they pick the "
               "logged model by 1 / propensity; doubly robust adds a reward model fit on all "
               "votes.")
    if skipped:
        st.caption("Not estimated: " + "; ".join(plain(s) for s in skipped) + ".")


def _saved_routers(ctx: PageContext) -> tuple[dict[str, SavedRouter], list[str]]:
    """Every saved router that learns from a dataset of its own, trained (cached); and why
    the others are left out."""
    saved, skipped = {}, []
    for config in saved_configs(ctx.store):
        if catalog.is_live(config.kind):
            skipped.append(f"{config.name} (a live router logs no choice)")
            continue
        own = datasets.by_name(ctx.store, config.dataset) if config.dataset else None
        if own is None or own.format in (traffic.FORMAT, "pairwise"):  # no outcome scores
            skipped.append(f"{config.name} (it names no scored dataset to learn from)")
            continue
        try:
            router = resources.fitted_router(own, config.to_json())
        except RouterProblem as exc:
            skipped.append(f"{config.name} ({exc})")
            continue
        saved[config.name] = SavedRouter(router, point_of(config),
                                         config.encoder or default_encoder())
    return saved, skipped
