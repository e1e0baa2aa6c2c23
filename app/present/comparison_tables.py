"""The tables and marks shared by the Compare page and the stakeholder report: metrics
and budgets as DataFrames, and the [not deployable] badge."""

from __future__ import annotations

import pandas as pd

from app.routing.comparison import Comparison


def badge(deployable: bool) -> str:
    """The mark every table, legend and report puts on what no deployment can reach."""
    return "" if deployable else " [not deployable]"


def metrics_frame(comparison: Comparison) -> pd.DataFrame:
    """The metrics table as a DataFrame, intervals formatted as text; cost columns follow
    the cost axis (dropped in quality-only mode)."""
    axis = comparison.axis
    cost_name = cost_column(comparison)
    rows = []
    for row in comparison.rows:
        shown = {
            "name": row["name"] + badge(row["deployable"]), "kind": row["kind"],
            "deployable": row["deployable"],
            "quality": row["quality"], "quality 95% CI": _ci(row.get("quality_ci"))}
        if axis.has_cost:
            cost_ci = _ci_share(row.get("cost_ci")) if axis.kind == "share" \
                else _ci(row.get("cost_ci"), 6)
            shown |= {cost_name: row["cost"], "cost 95% CI": cost_ci,
                      "AIQ": _num(row["aiq"]), "AIQ 95% CI": _ci(row.get("aiq_ci")),
                      "best quality": row["best_quality"], "at cost": row["best_quality_cost"]}
        shown |= {"APGR": row.get("apgr", float("nan")), "CPT(50%)": _num(row.get("cpt50")),
                  "CPT(80%)": _num(row.get("cpt80"))}
        if axis.kind == "usd":
            shown["arena score"] = row["arena"]
        shown["regret vs oracle"] = _num(row["regret"])
        rows.append(shown)
    return pd.DataFrame(rows)


def budget_frame(comparison: Comparison) -> pd.DataFrame:
    """Quality at each budget (USD per 1,000 queries): on the curve's hull and at the
    operating point cross-validated for it, with 95% intervals (app/routing/budgets.py)."""
    rows = []
    for row in comparison.budgets:
        rows.append({
            "budget ($/1k)": row["budget"] * 1000, "name": row["name"] + badge(
                row["deployable"]), "deployable": row["deployable"],
            "on its hull": _num(row.get("hull_quality")), "hull 95% CI": _ci(row.get(
                "hull_ci")), "at its point": _num(row.get("quality")),
            "point 95% CI": _ci(row.get("quality_ci")),
            "point cost ($/1k)": _num(row["cost"] * 1000 if "cost" in row else None),
            "vs best single model": _num(row.get("vs_best_single")),
            "difference 95% CI": _ci(row.get("vs_best_single_ci")),
            "training cost ($/1k)": _num(row["train_cost"] * 1000 if "train_cost" in row
                                         else None)})
    frame = pd.DataFrame(rows)
    return frame.sort_values("budget ($/1k)", kind="stable") if len(frame) else frame


def cost_column(comparison: Comparison) -> str:
    return "share of strong calls" if comparison.axis.kind == "share" else "cost ($/query)"


def _ci(interval, digits: int = 3) -> str:
    if not interval:
        return ""
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def _ci_share(interval) -> str:
    return f"[{interval[0]:.1%}, {interval[1]:.1%}]" if interval else ""


def _num(value) -> float:
    return float("nan") if value is None else float(value)
