"""Estimate the cost of logged outcomes that carry none, when a price can be known.

A price comes from, in order: the user (`--price MODEL=IN/OUT`, the import form's price
table), the model pool (models.toml, by model name), or LiteLLM's cost map (the model's
exact name, else a provider-prefixed name that ends in it when every such entry agrees).
Tokens are the logged counts, else LiteLLM's token counter on the prompt and the response;
an outcome with neither an output count nor a response is left without cost. Every
estimated cost is marked `cost_estimated`; logged costs are never replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.data.importers.problems import ImportProblem
from app.models import llm

PRICE_HELP = "Write MODEL=IN/OUT in USD per million tokens, e.g. gpt-4o=2.5/10."


@dataclass(frozen=True)
class Price:
    per_million_in: float
    per_million_out: float
    source: str

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.per_million_in + tokens_out * self.per_million_out) / 1e6


def parse_price(text: str) -> tuple[str, Price]:
    """'MODEL=IN/OUT' (USD per million tokens) as (model, Price)."""
    found = re.fullmatch(r"\s*(.+?)\s*=\s*([0-9.eE+-]+)\s*/\s*([0-9.eE+-]+)\s*", text or "")
    try:
        model, per_in, per_out = found.group(1), float(found.group(2)), float(found.group(3))
    except (AttributeError, ValueError):
        raise ImportProblem("--price", f"'{text}' is not a price.", PRICE_HELP) from None
    if per_in < 0 or per_out < 0 or per_in != per_in or per_out != per_out:
        raise ImportProblem("--price", f"'{text}' has a negative or unknown price.",
                            PRICE_HELP)
    return model, Price(per_in, per_out, "your price")


def parse_prices(texts: list[str] | None) -> dict[str, Price]:
    return dict(parse_price(t) for t in texts or [])


def known_price(model: str, given: dict[str, Price] | None = None,
                pool: dict | None = None) -> Price | None:
    """The price of a model by the rule in the module docstring, or None (`pool`: the
    model pool when the caller has loaded it, to read models.toml once)."""
    if given and model in given:
        return given[model]
    return _pool_price(model, pool) or _litellm_price(model)


def estimate_costs(cur, dataset_id: int, given: dict[str, Price] | None = None) -> list[str]:
    """Fill in estimated costs for the dataset's outcomes without one; notes saying what
    was estimated from where, and which models still have no price."""
    rows = cur.execute("""
        SELECT o.query_id, o.model, o.tokens_in, o.tokens_out, q.text, o.response
        FROM outcomes o JOIN queries q USING (query_id)
        WHERE q.dataset_id = ? AND o.cost_usd IS NULL""", [dataset_id]).fetchall()
    if not rows:
        return []
    pool = _pool()
    prices = {m: known_price(m, given, pool) for m in sorted({r[1] for r in rows})}
    estimated, sources, no_response = [], {}, 0
    for query_id, model, tokens_in, tokens_out, text, response in rows:
        price = prices[model]
        if price is None:
            continue
        if tokens_out is None and response is None:
            no_response += 1
            continue
        tokens_in = tokens_in if tokens_in is not None else count_tokens(model, text)
        tokens_out = tokens_out if tokens_out is not None else count_tokens(model, response)
        estimated.append((query_id, model, price.cost(tokens_in, tokens_out)))
        sources[model] = price.source
    if estimated:
        cur.execute("CREATE OR REPLACE TEMP TABLE estimates "
                    "(query_id BIGINT, model VARCHAR, cost DOUBLE)")
        cur.executemany("INSERT INTO estimates VALUES (?, ?, ?)", estimated)
        cur.execute("""UPDATE outcomes o SET cost_usd = e.cost, cost_estimated = true
                       FROM estimates e WHERE o.query_id = e.query_id AND o.model = e.model""")
        cur.execute("DROP TABLE estimates")
    return _notes(len(estimated), sources, prices, no_response)


def _notes(count: int, sources: dict[str, str], prices: dict, no_response: int) -> list[str]:
    notes = []
    if count:
        where = "; ".join(f"{m}: {s}" for m, s in sorted(sources.items()))
        notes.append(f"Estimated the cost of {count:,} outcomes from token counts and prices "
                     f"({where}); they are marked estimated.")
    unpriced = [m for m, p in prices.items() if p is None]
    if unpriced:
        shown = ", ".join(unpriced[:6]) + (" ..." if len(unpriced) > 6 else "")
        notes.append(f"No cost and no known price for {shown}: give prices with --price "
                     "MODEL=IN/OUT (USD per million tokens) or the import form's price "
                     "table, or routers compare on quality alone.")
    if no_response:
        notes.append(f"{no_response:,} outcomes have a price but neither an output token "
                     "count nor a response, so their cost stays unknown.")
    return notes


def count_tokens(model: str, text: str | None) -> int:
    return llm.token_count(model, text or "")


def _pool() -> dict:
    from app.models.pool import PoolError, load_pool
    try:
        return load_pool()
    except PoolError:  # a broken pool file is reported on the Models page, not here
        return {}


def _pool_price(model: str, pool: dict | None = None) -> Price | None:
    spec = (_pool() if pool is None else pool).get(model)
    if spec is None or (spec.usd_per_1k_in is None and spec.usd_per_1k_out is None):
        return None
    return Price((spec.usd_per_1k_in or 0.0) * 1000, (spec.usd_per_1k_out or 0.0) * 1000,
                 "the model pool's declared price")


def _litellm_price(model: str) -> Price | None:
    entry = llm.cost_map_entry(model)
    if entry is None:
        return None
    key, per_in, per_out = entry
    return Price(per_in * 1e6, per_out * 1e6, f"LiteLLM cost map ({key})")
