"""Export to RouteLLM: a custom RouteLLM router that decides as routelab's strong/weak point.

RouteLLM routes between a strong and a weak model: strong when the router's
`calculate_strong_win_rate(prompt)` is at least the threshold in the model string
`router-NAME-THRESHOLD`. The export ships standalone/routelab_routellm.py, a RouteLLM
`Router` whose win rate is routelab's score lead of strong over weak, mapped monotonically
into (0, 1) by a logistic centred on routelab's calibrated lead threshold, so the recorded
threshold 0.5 routes exactly as routelab does, and standalone/routellm_serve.py as the
launcher `serve.py`; both take their parameters from the `routellm` entry of `router.json`.
Their scores come from the same artifact and standalone scorer as the LiteLLM export
(`scorers.artifact`, `routelab_router.py`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import yaml

from app.models.pool import PoolError, load_pool
from app.routing.export import scorers
from app.routing.export.base import STANDALONE, ExportProblem, ExportSource, load_shipped

SUPPORTED = scorers.EXACT_KINDS
# standalone module -> its name in the export (serve.py reads router.json's "routellm")
SHIPPED = {"routelab_router.py": "routelab_router.py",
           "routelab_routellm.py": "routelab_routellm.py", "routellm_serve.py": "serve.py"}
THRESHOLD = 0.5     # the win rate at routelab's lead threshold
SIMILARITY = "sw_ranking (similarity-weighted, from the embedding)"
CLOSEST = {"mf": "mf (the same model)", "knn": SIMILARITY, "centroid": SIMILARITY,
           "clusters": SIMILARITY}
CLASSIFIERS = "bert or causal_llm (a learned classifier of the prompt)"


def check(source: ExportSource) -> None:
    name, kind, point = source.config.name, source.config.kind, source.point
    if kind not in SUPPORTED:
        raise ExportProblem(
            f"router '{name}' is a {kind} router, which cannot be exported to RouteLLM: "
            "its win rate must be recomputed from an embedding and learned arrays alone, "
            f"which only {', '.join(SUPPORTED)} routers allow. Save one of those and "
            "export it")
    if point.pair is None:
        asked = (f"a budget (${point.budget:g} per 1,000 queries, λ = {point.tradeoff:.4g})"
                 if point.budget is not None else f"λ = {point.tradeoff:g}")
        raise ExportProblem(
            f"router '{name}' routes at {asked}, picking among all its models; RouteLLM "
            "routes between one strong and one weak model by a threshold. Calibrate it to "
            "a share of strong calls (--strong-share, e.g. routelab routers calibrate "
            f"{name} --strong-share 0.5), then export again")


def router_name(config_name: str) -> str:
    """A RouteLLM router name: the model string is split on '-', so none may appear."""
    return "routelab_" + re.sub(r"[^A-Za-z0-9_]", "_", config_name)


def write(source: ExportSource, directory: Path) -> list[str]:
    check(source)
    strong, weak = source.point.pair
    meta, arrays = scorers.artifact(source)
    train = source.router.score(source.train_queries())
    columns = [source.models.index(m) for m in (strong, weak)]
    leads = train[:, columns[0]] - train[:, columns[1]]
    spread = float(np.std(leads))
    name = router_name(source.config.name)
    pool = _pool()  # RouteLLM's controller hands LiteLLM the pool's name, else the log's
    served = {m: pool[m].litellm_model if m in pool else m for m in (strong, weak)}
    meta["routellm"] = {"router": name, "strong": strong, "weak": weak,
                        "lead_threshold": float(source.point.threshold),
                        "lead_scale": spread if spread > 0 else 1.0, "threshold": THRESHOLD,
                        "strong_model": served[strong], "weak_model": served[weak]}
    (directory / "router.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    np.savez(directory / "router.npz", **arrays)
    for module, shipped in SHIPPED.items():
        shutil.copy(STANDALONE / module, directory / shipped)
    (directory / "routellm.yaml").write_text(yaml.safe_dump({name: {"artifact_dir": "."}}),
                                             encoding="utf-8")
    model = model_string(name, THRESHOLD)
    (directory / "model.txt").write_text(model + "\n", encoding="utf-8")
    module = load_module(directory)
    exported = module.RoutelabRouter(directory)
    # one prompt at a time, as RouteLLM calls it: a batch's float32 products can round a
    # tie between two neighbours apart differently, on some CPUs
    agree = source.agreement(lambda q: [strong if exported.win_rates(x[None])[0] >= THRESHOLD
                                        else weak for x in q.X])
    rates = exported.win_rates(source.train_queries().X)
    return [_how_to_run(name, model, served),
            _differences(source, meta["routellm"], agree, rates)]


def model_string(name: str, threshold: float) -> str:
    return f"router-{name}-{threshold:g}"


def _pool() -> dict:
    try:
        return load_pool()
    except PoolError:
        return {}


def load_module(directory: Path):
    """routelab_routellm.py from `directory`, imported as RouteLLM's server will (its
    neighbour routelab_router.py importable), without RouteLLM installed."""
    return load_shipped(directory / "routelab_routellm.py", neighbours=True)


def _how_to_run(name: str, model: str, served: dict[str, str]) -> str:
    strong, weak = served.values()
    return f"""## How to run

In an environment with RouteLLM (`pip install "routellm[serve]"`), numpy and the encoder's
library, from this directory:

```sh
python serve.py --port 6060     # registers `{name}`, then runs routellm.openai_server
```

`serve.py` passes `--routers {name} --config routellm.yaml --strong-model {strong}
--weak-model {weak}` unless you give them (RouteLLM calls the models through LiteLLM, so
these are LiteLLM model names; set their keys or `--base-url`). Keep `--workers 0`:
worker processes would not see the registered router. Then ask for the model string
`{model}` (also in `model.txt`):

```sh
curl -s http://127.0.0.1:6060/v1/chat/completions -H 'Content-Type: application/json' \\
  -d '{{"model": "{model}", "messages": [{{"role": "user", "content": "2+2?"}}]}}'
```

In Python, register first: `import routelab_routellm; routelab_routellm.register()`,
then `Controller(routers=["{name}"], config=yaml.safe_load(open("routellm.yaml")),
strong_model=..., weak_model=...)`.
"""


def _differences(source: ExportSource, spec: dict, agree: float, rates) -> str:
    kind, cut, scale = source.config.kind, spec["lead_threshold"], spec["lead_scale"]
    frozen = ("- LinUCB is exported as trained: it does not learn from RouteLLM's traffic.\n"
              if kind == "linucb" else "")
    shares = "\n".join(f"| {share:.0%} | {np.quantile(rates, 1 - share):.4f} |"
                       for share in (0.1, 0.25, 0.5, 0.75, 0.9))
    return f"""## What differs from routelab

- The win rate is not a probability: it is sigmoid((lead − {cut:.6g}) / {scale:.4g}), the
  lead being routelab's score of {spec['strong']} minus that of {spec['weak']}. At the
  threshold {spec['threshold']:g} it is routelab's rule (strong when the lead exceeds the
  calibrated {cut:.4g}; RouteLLM's `>=` is accounted for); a threshold T moves the cut to
  lead > {cut:.4g} + {scale:.4g}·logit(T).
- RouteLLM scores only the last message's content; routelab embedded each logged query's
  text. Only the two models of the pair are served.
- The closest built-in RouteLLM router is {CLOSEST.get(kind, CLASSIFIERS)}.
{frozen}- RouteLLM's `calibrate_threshold` reads the Arena dataset; these thresholds come from
  this router's training queries instead (RouteLLM's rule: a quantile of win rates):

| share of strong calls (training) | threshold |
|---|---|
{shares}

## Agreement with routelab

At threshold {spec['threshold']:g}, `routelab_routellm.py` picks the same model as routelab
on {agree:.1%} of the {len(source.data.test):,} test queries (routelab's embeddings; the
artifact was fitted on the {len(source.data.train):,} training queries only).
"""

