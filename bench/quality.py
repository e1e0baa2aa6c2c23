"""Routing quality on real logs: AIQ and quality at a budget, with 95% intervals.

The RouterBench subset (its own split: 2,215 train, 947 test prompts, 11 models) and the
LLMRouter data (its own split, 9 models, costs estimated from prompt length) from
../shared/data, embedded with MiniLM, each router trained on the training split and read
once on the test split (`routelab evaluate` with budgets). Budgets: $0.5, $1.25 and $2.5
per 1,000 queries on RouterBench (a tenth, a quarter and a half of GPT-4's $5); on
LLMRouter, whose models cost cents per 1,000 queries and whose cheapest model already costs
a tenth of the best one, a quarter and a half of its best single model's training cost.
The learned-judge cascade needs answer texts: LLMRouter has none, so it is left out there.
Every choice (features, thresholds, λ, a cascade's chains) is made on the training split;
each configuration's test figures are computed once, in this run.
"""

from __future__ import annotations

from pathlib import Path

from bench.report import OUT, SHARED, Figure

LINEUP = [("knn", "knn", {}), ("knn (task features)", "knn", {"features": "embedding+task"}),
          ("centroid", "centroid", {}), ("clusters", "clusters", {}),
          ("clusters (task features)", "clusters", {"features": "embedding+task"}),
          ("predictive", "predictive", {}),
          ("predictive (task, length)", "predictive",
           {"features": "embedding+task+length"}),
          ("mf", "mf", {}), ("irt", "irt", {}), ("stacked", "stacked", {}),
          ("stacked (isotonic)", "stacked", {"calibration": "isotonic"}),
          ("judged-cascade", "judged-cascade", {}),
          ("cascade (simulated judge, 10% error)", "cascade", {})]
FRACTIONS = (0.25, 0.5)  # LLMRouter's budgets, of its best single model's cost


def evaluate(store, name: str, budgets: tuple[float, ...] | None):
    from app.routing.budgets import best_single
    from app.routing.comparison import compare
    from app.routing.configs import RouterConfig, load_for_routing
    from routers.base import column_means

    data = load_for_routing(store, name)
    if budgets is None:  # fractions of the best single model's training cost
        train = data.outcomes.subset(data.train)
        cost = float(column_means(train.cost)[train.column(best_single(train))])
        budgets = tuple(f * cost for f in FRACTIONS)
    configs = [RouterConfig(label, kind, params) for label, kind, params in LINEUP]
    return compare(store, name, configs, n_boot=1000, data=data, budgets=budgets,
                   progress=lambda stage, f: print(f"  {stage}", flush=True))


def figures(result, label: str) -> list[Figure]:
    rows = {r["name"]: r for r in result.rows}
    zero, models = rows["Zero router"], result.models
    best = max(models, key=lambda m: (rows[m]["quality"], -rows[m]["cost"]))
    out = [Figure(f"{label}: best single model {best} (at ${rows[best]['cost'] * 1000:.3f} "
                  "per 1k)", rows[best]["quality"], "quality", digits=3),
           Figure(f"{label}: oracle [not deployable] (at ${rows['oracle']['cost'] * 1000:.3f} "
                  "per 1k)", rows["oracle"]["quality"], "quality", digits=3),
           Figure(f"{label}: Zero router (mixtures of single models)", zero["aiq"], "AIQ",
                  digits=3)]
    for name, curve in result.routers.items():
        row = rows[name]
        badge = "" if curve.deployable else " [not deployable]"
        out.append(Figure(f"{label}: {name}{badge} AIQ {_ci(row.get('aiq_ci'))}", row["aiq"],
                          "AIQ", zero["aiq"], "Zero router",
                          "Zero + 0.06" if name == "judged-cascade" else "", digits=3))
    for budget in dict.fromkeys(r["budget"] for r in result.budgets):
        at = [r for r in result.budgets if r["budget"] == budget]
        zero_b = next(r for r in at if r["kind"] == "zero")
        single = next((r for r in at if r["kind"] == "model"), None)
        for row in (r for r in at if r["kind"] == "router"):
            badge = "" if row["deployable"] else " [not deployable]"
            where = f"{label} at ${budget * 1000:.3g}/1k: {row['name']}{badge}"
            if row.get("hull_quality") is not None:
                out.append(Figure(f"{where} on its hull {_ci(row.get('hull_ci'))}",
                                  row["hull_quality"], "quality", zero_b["hull_quality"],
                                  "Zero router's hull", digits=3))
            paired = row.get("vs_best_single_ci")
            versus = f"; {row['vs_best_single']:+.3f} [{paired[0]:+.3f}, {paired[1]:+.3f}] " \
                f"vs {row['best_single']}, paired" if paired else ""
            out.append(Figure(f"{where} at its cross-validated point (test cost "
                              f"${row['cost'] * 1000:.3f}/1k) {_ci(row.get('quality_ci'))}"
                              f"{versus}",
                              row["quality"], "quality", single["quality"] if single else None,
                              f"{single['name']}" if single else "", digits=3))
    return out


def _ci(interval) -> str:
    return f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""


def run() -> list[Figure]:
    from app.data.importers import import_path
    from app.store.db import open_store

    if not SHARED.is_dir():
        print(f"skipped: no real data at {SHARED}")
        return []
    OUT.mkdir(parents=True, exist_ok=True)
    # kept: embeddings are cached across runs, under the encoder's name; after a change of
    # its runtime (PyTorch to OpenVINO, say), delete this file to measure on new vectors
    store = open_store(Path(OUT) / "quality.duckdb")
    found = []
    try:
        for name, folder, budgets in (("routerbench_subset", "routerbench_subset",
                                       (0.0005, 0.00125, 0.0025)),
                                      ("llmrouter", "llmrouter", None)):
            import_path(store, SHARED / folder, name=name, replace=True)
            print(f"== {name}", flush=True)
            result = evaluate(store, name, budgets)
            found += figures(result, "RouterBench subset" if budgets else "LLMRouter")
    finally:
        store.close()
    return found


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
