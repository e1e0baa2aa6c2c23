"""A comparison as `routelab evaluate` prints it: a plain table, or one JSON document.

Both quote each curve at its headline point and say whether it is deployable; cost columns
follow the comparison's cost axis (dollars, share of strong calls, or none).
"""

from __future__ import annotations

from app.routing.comparison import Comparison, summary


def as_json(result: Comparison) -> dict:
    """Every curve with its points, headline [cost, quality] and deployability, the metrics
    rows, the Zero router and the cost axis. Cost values are null in quality-only mode."""
    axis = result.axis
    curves = {}
    for name, curve in {**result.routers, **result.references}.items():
        curves[name] = {
            "deployable": curve.deployable,
            "why_not_deployable": curve.why_not_deployable or None,
            "headline": [curve.headline_cost if axis.has_cost else None,
                         curve.headline_quality],
            "points": [[float(c) if axis.has_cost else None, float(q)] for c, q in zip(
                curve.mean_cost, curve.mean_quality, strict=True)]}
    zero_aiq = next(r["aiq"] for r in result.rows if r["kind"] == "zero")
    for row in result.rows:
        if row["name"] in curves:
            curves[row["name"]]["aiq"] = row["aiq"]
    return {"dataset": result.dataset, "split": result.split_note,
            "test_queries": result.test_size, "pair": result.pair,
            "cost_axis": {"kind": axis.kind, "label": axis.label, "strong": axis.strong,
                          "unpriced": list(axis.unpriced), "notice": axis.notice or None},
            "notes": list(result.notes), "curves": curves, "metrics": result.rows,
            "budgets": [{**row, "budget_per_1k": row["budget"] * 1000}
                        for row in result.budgets],
            "zero_router": {"points": [[float(c) if axis.has_cost else None, float(q)]
                                       for c, q in zip(*result.zero, strict=True)],
                            "aiq": zero_aiq}}


def as_table(result: Comparison) -> list[str]:
    """The metrics table, each router's sweep and the plain-language summary, as lines."""
    axis = result.axis
    lines = [f"{result.dataset}: {result.test_size:,} test queries, {result.split_note}"]
    lines += [f"note: {note}" for note in result.notes]
    unit = {"usd": "$/query", "share": "strong %"}.get(axis.kind)
    header = f"{'name':<34} {'deploy':>6} {'quality':>8}"
    if unit:
        header += f" {unit:>10} {'AIQ':>7} {'best q':>7} {'at ' + unit:>12}"
    lines.append(header)
    for row in result.rows:
        line = f"{row['name'][:34]:<34} {'yes' if row['deployable'] else 'NO':>6} " \
               f"{row['quality']:>8.3f}"
        if unit:
            aiq = f"{row['aiq']:>7.3f}" if row["aiq"] is not None else f"{'-':>7}"
            line += f" {_cost(row['cost'], axis.kind):>10} {aiq} " \
                    f"{row['best_quality']:>7.3f} {_cost(row['best_quality_cost'], axis.kind):>12}"
        lines.append(line)
    for name, curve in result.routers.items():
        if unit:
            points = " ".join(f"({_cost(c, axis.kind)}, {q:.3f})" for c, q in zip(
                curve.mean_cost, curve.mean_quality, strict=True))
            lines.append(f"\n{name} sweep ({unit}, mean quality): {points}")
    lines += budget_lines(result)
    lines.append("")
    lines += summary(result)
    return lines


def budget_lines(result: Comparison) -> list[str]:
    """Each budget's block: every curve on its hull and at its cross-validated point."""
    if not result.budgets:
        return []
    lines = ["", "Quality at a budget (USD per 1,000 queries). hull: the curve's NDCH at "
             "that cost (RouterBench); point: the operating point chosen for the budget by "
             "5-fold cross-validation on the training split, read once on the test split."]
    for budget in dict.fromkeys(r["budget"] for r in result.budgets):
        lines.append(f"at ${budget * 1000:g} per 1k:")
        for row in (r for r in result.budgets if r["budget"] == budget):
            badge = "" if row["deployable"] else " [not deployable]"
            hull = f"hull {_ci(row.get('hull_quality'), row.get('hull_ci'))}" \
                if "hull_quality" in row else ""
            point = f"point {_ci(row['quality'], row.get('quality_ci'))} at " \
                    f"${row['cost'] * 1000:.3f}" if "quality" in row else ""
            if "vs_best_single" in row:
                point += f"; vs {row['best_single']} {row['vs_best_single']:+.3f}" + (
                    " [{:+.3f}, {:+.3f}]".format(*row["vs_best_single_ci"])
                    if row.get("vs_best_single_ci") else "")
            lines.append(f"  {(row['name'] + badge)[:60]:<60} {hull:<26} {point}")
    return lines


def _ci(value, interval) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" + (f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "")


def _cost(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    return f"{value:.0%}" if kind == "share" else f"{value:.6f}"
