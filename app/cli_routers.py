"""`routelab routers save|list|calibrate` and `routelab route`: saved routers from a shell.

A saved router is a config (kind, parameters, dataset, encoder, operating point); it is
trained on its dataset's training split whenever it is used, exactly as the Routers page
trains it, so the same saved router decides the same in the dashboard and here.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.cli_gateway import add_parsers as add_export_parsers


def add_parsers(verbs, store_of, strict_json) -> None:
    """Register the verbs; `store_of(args)` opens the store, `strict_json` cleans output."""
    routers = verbs.add_parser("routers", help="save, list and calibrate routers")
    what = routers.add_subparsers(dest="routers_verb", required=True)

    save = what.add_parser("save", help="train a router on a dataset's training split and "
                           "save it by name")
    save.add_argument("name")
    save.add_argument("--dataset", required=True)
    save.add_argument("--kind", required=True, help="a registered router kind")
    save.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                      help="a parameter (JSON values allowed); repeatable")
    save.add_argument("--encoder", help="default: $ROUTELAB_ENCODER or MiniLM")
    save.set_defaults(run=lambda args: _save(args, store_of(args)))

    listing = what.add_parser("list", help="the saved routers")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=lambda args: _list(args, store_of(args), strict_json))

    cal = what.add_parser("calibrate", help="choose the operating point on the training "
                          "split: a budget or a share of strong calls")
    cal.add_argument("name")
    goal = cal.add_mutually_exclusive_group(required=True)
    goal.add_argument("--budget", type=float, metavar="USD_PER_1K",
                      help="dollars per 1,000 queries")
    goal.add_argument("--strong-share", type=float, metavar="X",
                      help="share of queries for the strong model (0-1), RouteLLM style")
    cal.add_argument("--json", action="store_true")
    cal.set_defaults(run=lambda args: _calibrate(args, store_of(args), strict_json))

    add_export_parsers(verbs, what, store_of)

    route = verbs.add_parser("route", help="a saved router's decision for each prompt")
    route.add_argument("name")
    route.add_argument("--prompts", type=Path, required=True,
                       help="JSONL with a 'prompt' (or 'text') field per line")
    route.add_argument("--json", action="store_true", help="one JSON object per line")
    route.set_defaults(run=lambda args: _route(args, store_of(args), strict_json))


def _saved(store, name: str):
    from app.routing.configs import RouterProblem, saved_configs
    found = {c.name: c for c in saved_configs(store)}
    if name not in found:
        raise RouterProblem(f"no saved router named '{name}'; saved: "
                            f"{', '.join(found) or 'none (routelab routers save ...)'}")
    return found[name]


def _save(args, store) -> int:
    from app.cli_stages import Stages
    from app.embed.embeddings import ENCODERS, default_encoder, told_in_tenths
    from app.routing.configs import (
        RouterConfig,
        RouterProblem,
        fit_router,
        load_for_routing,
        save_config,
    )
    params = {}
    for entry in args.param:
        key, sep, raw = entry.partition("=")
        if not sep or not key.strip():
            raise RouterProblem(f"--param '{entry}' is not KEY=VALUE")
        try:
            params[key.strip()] = json.loads(raw)
        except ValueError:
            params[key.strip()] = raw
    encoder = args.encoder or default_encoder()
    if encoder not in ENCODERS:
        raise RouterProblem(f"unknown encoder '{encoder}'; choose one of {sorted(ENCODERS)}")
    config = RouterConfig(args.name, args.kind, params, args.dataset, encoder)
    stages = Stages()  # a dataset not embedded yet takes minutes
    try:
        data = load_for_routing(store, args.dataset, encoder,
                                progress=told_in_tenths(stages, f"'{args.dataset}'"))
    finally:
        stages.close()
    router = fit_router(store, config, data)  # refuse what cannot be trained
    save_config(store, config)
    print(f"Saved '{args.name}' ({args.kind}), trained on {len(data.train):,} training "
          f"queries of '{args.dataset}' ({', '.join(router.models_)}).")
    return 0


def _list(args, store, strict_json) -> int:
    from app.routing.configs import saved_configs
    from app.routing.operating import point_of
    configs = saved_configs(store)
    if args.json:
        print(json.dumps(strict_json([{"name": c.name, "kind": c.kind, "params": c.params,
                                       "dataset": c.dataset, "encoder": c.encoder}
                                      for c in configs]), indent=1, allow_nan=False))
        return 0
    if not configs:
        print("No saved routers yet: routelab routers save NAME --dataset D --kind KIND")
    for c in configs:
        point = point_of(c)
        where = (f"budget ${point.budget:g}/1k" if point.budget is not None else
                 f"{point.strong_share:.0%} to {point.pair[0]}" if point.pair else
                 "quality first")
        print(f"{c.name:<24} {c.kind:<12} on {c.dataset or '-':<20} {where}")
    return 0


def _calibrate(args, store, strict_json) -> int:
    from app.routing.configs import save_config
    from app.routing.operating import calibrate, with_point
    config = _saved(store, args.name)
    point = calibrate(store, config, budget=args.budget, strong_share=args.strong_share)
    save_config(store, with_point(config, point))
    if args.json:
        print(json.dumps(strict_json(point.as_params()), indent=1, allow_nan=False))
        return 0
    found = point.expected
    low, high = found["quality_ci"]
    print(f"'{config.name}' calibrated on the training split of '{config.dataset}' and saved.")
    print(f"Expected on {found['test_queries']:,} test queries: quality "
          f"{found['quality']:.3f} [{low:.3f}, {high:.3f}]", end="")
    if found["usd_per_1k"] is not None:
        low, high = found["usd_per_1k_ci"]
        print(f", ${found['usd_per_1k']:.4g} per 1,000 queries [{low:.4g}, {high:.4g}]",
              end="")
    if point.pair:
        low, high = found["strong_share_ci"]
        print(f", {found['strong_share']:.0%} [{low:.0%}, {high:.0%}] of queries to "
              f"{point.pair[0]}", end="")
    print(".")
    return 0


def _route(args, store, strict_json) -> int:
    from app.cli_stages import Stages
    from app.embed.embeddings import default_encoder, embed_texts, told_in_tenths
    from app.routing.configs import fit_router, load_for_routing
    from app.routing.operating import decide, point_of
    from routers import Queries
    config = _saved(store, args.name)
    prompts = _read_prompts(args.prompts)
    encoder = config.encoder or default_encoder()
    stages = Stages()  # embedding a cold dataset, or many prompts, takes minutes
    try:
        data = load_for_routing(store, config.dataset, encoder,
                                progress=told_in_tenths(stages, f"'{config.dataset}'"))
        router = fit_router(store, config, data)
        X, _ = embed_texts(store, prompts, encoder,
                           progress=told_in_tenths(stages, "the prompts"))
    finally:
        stages.close()
    queries = Queries(tuple(prompts), X)
    scores = router.score(queries)
    chosen = decide(router, queries, point_of(config), scores)
    for prompt, pick, row in zip(prompts, chosen, scores, strict=True):
        model = router.models_[int(pick)]
        if args.json:
            print(json.dumps(strict_json({"prompt": prompt, "model": model, "scores": dict(
                zip(router.models_, row.tolist(), strict=True))}), allow_nan=False))
        else:
            print(f"{model:<20} {prompt[:100]}")
    return 0


def _read_prompts(path: Path) -> list[str]:
    """The prompts of a JSONL file; a clear message for the first bad line."""
    from app.routing.configs import RouterProblem
    if not path.is_file():
        raise RouterProblem(f"{path} does not exist")
    prompts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row.get("prompt", row.get("text")) if isinstance(row, dict) else None
        except ValueError:
            text = None
        if not isinstance(text, str) or not text.strip():
            raise RouterProblem(f"{path.name}, line {number}: expected a JSON object with a "
                                "non-empty 'prompt' (or 'text') string")
        prompts.append(text)
    if not prompts:
        raise RouterProblem(f"{path.name} has no prompts")
    return prompts
