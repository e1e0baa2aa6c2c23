"""An onboarding as `routelab onboard` prints it: a plain table, or one JSON document."""

from __future__ import annotations

import math

from app.routing.onboarding import Onboarding


def as_json(result: Onboarding, saved: bool) -> dict:
    """The three routers' test metrics, agreement, ratios and the prompts used."""
    return {"router": result.config.name, "dataset": result.dataset, "model": result.model,
            "per_cluster": result.per_cluster, "prompts": len(result.prompts),
            "model_training_answers": result.model_log, "test_queries": result.test_size,
            "split": result.split_note, "rows": result.rows, "agreement": result.agreement,
            "quality_ratio": result.quality_ratio, "gain_recovered": result.gain_recovered,
            "headline": result.headline(), "saved": saved, "params": result.config.params,
            "prompt_texts": list(result.prompts)}


def as_table(result: Onboarding, saved: bool) -> list[str]:
    """Onboarded, retrained and without the model, then what it means, as lines."""
    lines = [f"{result.dataset}: {result.test_size:,} test queries, {result.split_note}",
             f"{'router':<12} {'quality':>8} {'$/query':>10} {'AIQ':>7} "
             f"{'to ' + result.model[:14]:>17}"]
    for row in result.rows:
        lines.append(f"{row['name']:<12} {row['quality']:>8.3f} {_number(row['cost'], 10, 6)} "
                     f"{_number(row['aiq'], 7, 3)} {row['share_to_model']:>17.0%}")
    name = result.config.name
    return lines + [
        "", f"Onboarded and retrained route {result.agreement:.0%} of test queries alike.",
        result.headline(),
        f"Saved: '{name}' now learns {result.model} from {result.per_cluster} prompts per "
        "cluster." if saved else f"Add --save to keep this in '{name}'."]


def _number(value, width: int, digits: int) -> str:
    """A metric, or '-' where it does not exist (no costs: no cost, no AIQ)."""
    if value is None or not math.isfinite(value):
        return f"{'-':>{width}}"
    return f"{value:>{width}.{digits}f}"
