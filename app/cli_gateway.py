"""`routelab routers export` and `routelab gateway`: a saved router leaves the dashboard.

`export` writes a self-contained directory for LiteLLM's proxy, vLLM Semantic Router or
RouteLLM. `gateway` exports for LiteLLM into data/gateway/NAME and serves it through the
real LiteLLM proxy in front of the pool (starting the local model server when the router
uses a local model); Ctrl-C, SIGTERM or SIGHUP stop both.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

TARGETS = ("litellm", "vllm-sr", "routellm")


def add_parsers(verbs, routers_verbs, store_of) -> None:
    exp = routers_verbs.add_parser("export", help="write a saved router for the LiteLLM "
                                   "proxy, vLLM Semantic Router or RouteLLM")
    exp.add_argument("name")
    exp.add_argument("--to", required=True, choices=TARGETS)
    exp.add_argument("--out", type=Path, required=True, help="a new or empty directory")
    _goal(exp)
    exp.set_defaults(run=lambda args: _export(args, store_of(args)))

    gw = verbs.add_parser("gateway", help="serve a saved router through the real LiteLLM "
                          "proxy (an OpenAI-compatible endpoint)")
    gw.add_argument("name")
    gw.add_argument("--port", type=int, default=4000)
    gw.add_argument("--traffic", type=Path, help="the traffic log (default: "
                    "data/gateway/NAME.traffic.jsonl)")
    _goal(gw)
    gw.set_defaults(run=lambda args: _gateway(args, store_of(args)))


def _goal(parser) -> None:
    goal = parser.add_mutually_exclusive_group()
    goal.add_argument("--budget", type=float, metavar="USD_PER_1K",
                      help="recalibrate to dollars per 1,000 queries (training split)")
    goal.add_argument("--strong-share", type=float, metavar="X",
                      help="recalibrate to this share of queries for the strong model")


def _export(args, store) -> int:
    from app.routing.export import export_router
    out = export_router(store, args.name, args.to, args.out, budget=args.budget,
                        strong_share=args.strong_share)
    files = ", ".join(sorted(p.name for p in out.iterdir()))
    print(f"Exported '{args.name}' for {args.to} to {out}/ ({files}). Its README.md says "
          "how to run it.")
    return 0


def _gateway(args, store) -> int:
    import shutil

    from app.models import gateway, local_server
    from app.models.pool import load_pool
    from app.models.process_guard import die_with_parent
    from app.routing.export import export_router

    gateway.litellm_command()  # refuse before any work when the proxy is not installed
    directory = gateway.GATEWAY_DIR / args.name
    fresh = directory.with_name(f"{args.name}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    export_router(store, args.name, "litellm", fresh, budget=args.budget,
                  strong_share=args.strong_share)
    if (directory / "routelab-export.json").exists():
        shutil.rmtree(directory)  # the previous gateway export, replaced once the new one exists
    fresh.rename(directory)
    store.close()  # the proxy runs for hours; the database stays free for the dashboard
    traffic = args.traffic or gateway.GATEWAY_DIR / f"{args.name}.traffic.jsonl"
    pool = load_pool()
    models = [e["model_name"] for e in _model_list(directory)]
    server = proxy = None
    die_with_parent()  # killed outright: the kernel stops the proxy and the server too
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_on_signal)
    try:
        if any(m in pool and pool[m].is_local for m in models) and not local_server.is_up():
            print("Starting the local model server ...", file=sys.stderr)
            try:
                server = local_server.start()
            except local_server.ServerFailed as exc:
                raise gateway.GatewayProblem(str(exc)) from None
        proxy = gateway.start(directory / "config.yaml", port=args.port, traffic_log=traffic)
        print(f"LiteLLM proxy on http://127.0.0.1:{args.port}/v1 serving 'router-{args.name}' "
              f"over {', '.join(m for m in models if m != f'router-{args.name}')}.\n"
              f"Key: $LITELLM_MASTER_KEY, else the file {gateway.key_path()}.\n"
              f"Traffic log: {traffic} (routelab import {traffic} --format litellm-log).\n"
              "Ctrl-C stops it.", flush=True)
        return proxy.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        gateway.stop(proxy)
        local_server.stop(server)


def _model_list(directory: Path) -> list[dict]:
    import yaml
    return yaml.safe_load((directory / "config.yaml").read_text())["model_list"]


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
