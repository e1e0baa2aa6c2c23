"""`routelab token-train`: train the token router's policy (CITER) by rollouts on the
real models, on a dataset's training prompts, then answer its test prompts with each kept
policy so the Compare page can draw the curve over λ."""

from __future__ import annotations

import sys
import time


def add_parsers(verbs, store_of) -> None:
    train = verbs.add_parser(
        "token-train", help="train the token router's policy on a dataset's training "
        "prompts (rollouts on the local models) and evaluate it on the test split")
    train.add_argument("--dataset", default="demo")
    train.add_argument("--prompts", type=int, default=40,
                       help="training prompts rolled out, stratified by task (default 40)")
    train.add_argument("--folds", type=int, default=2,
                       help="held-out folds that choose each λ's policy family (default 2)")
    train.add_argument("--no-evaluate", action="store_true",
                       help="train only; the Compare page shows no curve until evaluated")
    train.set_defaults(run=lambda args: _train(args, store_of(args)))


def _train(args, store) -> int:
    from app.models import local_server
    from app.models.pool import load_pool
    from app.routing import token_training
    from routers.token_policy import describe

    pool = load_pool()
    shape = token_training.RouterShape()
    local = any(pool[m].is_local for m in (shape.small, shape.large) if m in pool)
    server = local_server.start() if local else None
    started = time.perf_counter()

    def progress(message: str, fraction: float) -> None:
        print(f"\r[{fraction:4.0%}] {message:<100}", end="", file=sys.stderr, flush=True)
    try:
        choices = token_training.train(store, args.dataset, pool, prompts=args.prompts,
                                       folds=args.folds, shape=shape, progress=progress)
        print(file=sys.stderr)
        for c in choices:
            held = ", ".join(f"{f} {r:+.3f}" for f, r in c.heldout.items())
            print(f"λ={c.tradeoff:g}: {c.family} policy ({describe(c.policy)})"
                  f", training reward {c.train_reward:+.3f}; held-out: {held}")
        if not args.no_evaluate:
            calls = token_training.evaluate(store, args.dataset, pool, progress=progress)
            print(f"\nTest split answered ({calls} new model calls).", file=sys.stderr)
    except token_training.TokenTrainingProblem as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    finally:
        local_server.stop(server)
    print(f"Done in {time.perf_counter() - started:,.0f} s. The Compare page of "
          f"'{args.dataset}' draws the token router over λ; the live token router uses "
          f"these policies with policy = trained:{args.dataset}.")
    return 0
