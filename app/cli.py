"""The `routelab` command line: import, list and export datasets, collect logs, serve."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from app import settings
from app.cli_routers import add_parsers as add_router_parsers
from app.cli_stages import Stages
from app.cli_token import add_parsers as add_token_parsers
from app.data.collect import CollectProblem
from app.data.importers import (
    FORMATS,
    ImportProblem,
    LongMapping,
    WideMapping,
    import_path,
    remove_dataset,
    routerbench,
)
from app.data.importers.pricing import parse_prices
from app.embed.embeddings import EncoderProblem
from app.embed.ray_embed import RAY_ADDRESS_VAR, RayProblem
from app.models.gateway import GatewayProblem
from app.models.pool import PoolError
from app.routing.configs import SAMPLE_LIMIT, RouterProblem
from app.store import datasets
from app.store.db import DatabaseLocked, open_store


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "ray", None):
        os.environ[RAY_ADDRESS_VAR] = args.ray  # read where the work runs: app/embed/ray_embed
    try:
        return args.run(args)
    except (ImportProblem, DatabaseLocked, CollectProblem, PoolError, RouterProblem,
            EncoderProblem, GatewayProblem, RayProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written by the unfinished step", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="routelab", description=__doc__)
    parser.add_argument("--db", help=f"database file (default: $ROUTELAB_DB or "
                        f"{settings.DEFAULT_DB.relative_to(settings.REPO_ROOT)})")
    verbs = parser.add_subparsers(dest="verb", required=True)

    imp = verbs.add_parser("import", help="import a query log file or folder")
    imp.add_argument("path", help="a file, a folder of files, or 'routerbench' to download it")
    imp.add_argument("--format", default="auto", choices=FORMATS)
    imp.add_argument("--name", help="dataset name (default: the file or folder name)")
    imp.add_argument("--replace", action="store_true", help="replace a dataset of that name")
    imp.add_argument("--queries", type=Path, help="LLMRouter query JSONL (task, reference)")
    imp.add_argument("--prices", type=Path, help="LLMRouter price JSON ($ per 1M tokens)")
    imp.add_argument("--price", action="append", metavar="MODEL=IN/OUT", dest="price",
                     help="a model's price in USD per million input/output tokens, used to "
                     "estimate missing costs (repeatable), e.g. gpt-4o=2.5/10")
    imp.add_argument("--shots", type=int, default=0, choices=(0, 5),
                     help="which RouterBench release to download")
    cols = imp.add_argument_group("column mapping for long / wide logs (default: guessed)")
    for flag in ("text", "id", "model", "score", "cost", "latency", "tokens-in", "tokens-out",
                 "response", "task", "split", "reference", "verifier"):
        cols.add_argument(f"--{flag}-col", dest=f"{flag.replace('-', '_')}_col")
    cols.add_argument("--latency-unit", choices=("ms", "s"), default=None)
    cols.add_argument("--score-scale", default="auto", metavar="SCALE",
                      help="auto (detect), 0/1, 0-1, 1-10 or LOW-HIGH; scores are stored "
                      "normalised to 0-1 with the originals kept")
    cols.add_argument("--models", help="wide: comma-separated model names (score columns)")
    cols.add_argument("--score-pattern", default="{model}", help="wide: e.g. '{model}'")
    cols.add_argument("--cost-pattern", help="wide: e.g. '{model}|total_cost'")
    cols.add_argument("--response-pattern", help="wide: e.g. '{model}|model_response'")
    cols.add_argument("--latency-pattern", help="wide: e.g. '{model}|latency_ms'")
    imp.set_defaults(run=_import)

    ls = verbs.add_parser("datasets", help="list datasets")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(run=_datasets)

    rm = verbs.add_parser("remove", help="delete a dataset")
    rm.add_argument("name")
    rm.set_defaults(run=_remove)

    col = verbs.add_parser("collect", help="run prompts through models into a dataset")
    col.add_argument("--prompts", type=Path, required=True, help="JSONL: id, prompt, verifier")
    col.add_argument("--models", required=True, help="comma-separated pool model names")
    col.add_argument("--name", required=True, help="dataset to create or resume")
    col.add_argument("--concurrency", type=int, default=4)
    col.add_argument("--judge", help="pool model that grades prompts with a judge verifier")
    col.add_argument("--limit", type=int, help="only the first N prompts")
    col.add_argument("--kind", choices=("live", "demo"), default="live")
    col.add_argument("--export", type=Path, help="afterwards, write the log as JSONL here")
    _add_ray(col, "the model calls run as Ray tasks")
    col.set_defaults(run=_collect)

    exp = verbs.add_parser("export", help="write a dataset as a long JSONL log")
    exp.add_argument("name")
    exp.add_argument("out", type=Path)
    exp.set_defaults(run=_export)

    emb = verbs.add_parser("embed", help="embed a dataset's queries (cached) and build its map")
    emb.add_argument("name")
    emb.add_argument("--encoder", default=None, help="default: $ROUTELAB_ENCODER or MiniLM")
    emb.add_argument("--no-map", action="store_true", help="only embed, skip the UMAP map")
    _add_ray(emb, "Ray Data actors encode the queries")
    emb.set_defaults(run=_embed)

    ev = verbs.add_parser("evaluate", help="train routers and compare them on the test split")
    ev.add_argument("name", help="dataset")
    ev.add_argument("--router", action=_RouterAction, dest="routers", metavar="KIND",
                    help="a registered router kind (repeatable); default: all of them")
    ev.add_argument("--param", action=_ParamAction, dest="routers", metavar="KEY=VALUE",
                    help="a parameter of the preceding --router (JSON values allowed)")
    ev.add_argument("--boot", type=int, default=1000, help="bootstrap resamples (0: none)")
    ev.add_argument("--sample", type=_positive_int, default=SAMPLE_LIMIT, metavar="N",
                    help=f"route a larger log on a seeded sample of N queries (default "
                         f"{SAMPLE_LIMIT:,}: about a minute for the default line-up)")
    ev.add_argument("--models", help="compare only these models (comma-separated), e.g. "
                    "when few queries were answered by every model")
    ev.add_argument("--reference", help="pairwise logs: the model win rates are measured "
                    "against (default: the one with most training battles)")
    ev.add_argument("--budget", type=_positive, action="append", default=[],
                    metavar="USD_PER_1K", help="also report each router's quality at this "
                    "budget, in USD per 1,000 queries (repeatable; its operating point is "
                    "chosen by 5-fold cross-validation on the training split)")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--fresh", action="store_true",
                    help="train and measure every router again even when this comparison, "
                    "or a router of it, was already computed on the same data with the "
                    "same code")
    _add_ray(ev, "Ray Data actors encode queries not embedded yet")
    ev.set_defaults(run=_evaluate)

    onb = verbs.add_parser("onboard", help="add a model to a saved clusters router from a "
                           "few representative prompts, and compare with retraining")
    onb.add_argument("router", help="a saved router of an onboarding kind (clusters)")
    onb.add_argument("model", help="a model of the router's dataset, treated as new")
    onb.add_argument("--per-cluster", type=int, default=3, metavar="N",
                     help="representative prompts per cluster the model answers (default 3)")
    onb.add_argument("--dataset", help="the log to onboard on (default: the router's own)")
    onb.add_argument("--save", action="store_true", help="record the onboarding in the router")
    onb.add_argument("--json", action="store_true")
    onb.set_defaults(run=_onboard)

    add_router_parsers(verbs, _store, _strict_json)
    add_token_parsers(verbs, _store)

    mod = verbs.add_parser("models", help="list the model pool and check reachability")
    mod.add_argument("--check", action="store_true", help="call each model (cheap check)")
    mod.set_defaults(run=_models)

    doc = verbs.add_parser("doctor", help="check that this machine is ready, with fixes")
    doc.add_argument("--quick", action="store_true",
                     help="skip the slow checks (encoder, a token from each local model)")
    doc.set_defaults(run=_doctor)

    srv = verbs.add_parser("serve", help="start the local model server and the dashboard")
    srv.add_argument("--no-models", action="store_true", help="skip the local model server")
    srv.add_argument("streamlit_args", nargs=argparse.REMAINDER)
    srv.set_defaults(run=_serve)
    return parser


def _add_ray(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--ray", metavar="ADDRESS", help=f"on a Ray cluster: {what} ('local', "
                        f"'auto', host:port or ray://host:port; default ${RAY_ADDRESS_VAR})")


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number above 0")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number")
    return value


def _store(args):
    return open_store(args.db) if args.db else open_store()


def _import(args) -> int:
    path = Path(args.path)
    name = args.name
    if args.path == "routerbench" and not path.exists():
        print(f"Downloading RouterBench ({args.shots}-shot) from the Hugging Face hub ...")
        path = Path(routerbench.download(args.shots))
        name = name or "routerbench" + ("" if args.shots == 0 else f"_{args.shots}shot")
    store = _store(args)
    report = import_path(store, path, fmt=args.format, name=name, mapping=_mapping(args),
                         replace=args.replace, queries=args.queries, prices=args.prices,
                         given_prices=parse_prices(args.price),
                         score_scale=args.score_scale)
    print(report.summary())
    for note in report.notes:
        print(f"  note: {note}")
    return 0


def _mapping(args) -> LongMapping | WideMapping | None:
    """A mapping from the column flags, or None to let the importer guess."""
    given = {k[:-4]: v for k, v in vars(args).items() if k.endswith("_col") and v}
    unit = args.latency_unit or "ms"
    if args.models or args.format == "wide" and given:
        if not (args.models and given.get("text")):
            raise ImportProblem(args.path, "a wide mapping needs --text-col and --models.",
                                "Example: --format wide --text-col prompt --models a,b")
        return WideMapping(
            text=given["text"], models=tuple(m.strip() for m in args.models.split(",") if m),
            score_pattern=args.score_pattern, cost_pattern=args.cost_pattern,
            response_pattern=args.response_pattern, latency_pattern=args.latency_pattern,
            latency_unit=unit, id=given.get("id"), task=given.get("task"),
            split=given.get("split"), reference=given.get("reference"))
    if not given:
        return None
    missing = [f"--{f}-col" for f in ("text", "model", "score") if f not in given]
    if missing:
        raise ImportProblem(args.path, f"a long mapping also needs {', '.join(missing)}.",
                            "Name the prompt, model and score columns, or give no column "
                            "flags to let routelab guess.")
    return LongMapping(latency_unit=unit, **given)


def _datasets(args) -> int:
    frame = datasets.table(_store(args))
    if args.json:
        rows = [{"name": r.name, "kind": r.kind, "format": r.format, "source": r.source,
                 "imported_at": r.imported_at.isoformat(), "queries": int(r.queries),
                 "models": int(r.models), "outcomes": int(r.outcomes)}
                for r in frame.itertuples()]
        print(json.dumps(rows, indent=2))
        return 0
    if frame.empty:
        print("No datasets yet. Import one: routelab import PATH")
        return 0
    width = max(len(n) for n in frame["name"])
    for r in frame.itertuples():
        unit = "battles" if r.format == "pairwise" else "outcomes"
        print(f"{r.name:<{width}}  {r.kind:<8}  {r.queries:>7,} queries  {r.models:>3} models  "
              f"{r.outcomes:>9,} {unit:<8}  ({r.format})")
    return 0


def _collect(args) -> int:
    from app.data.collect import collect
    from app.data.demo.log import export_log
    from app.models import local_server
    from app.models.pool import load_pool

    pool = load_pool()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if any(pool[m].is_local for m in models if m in pool) and not local_server.is_up():
        print("Starting the local model server ...", file=sys.stderr)
        local_server.start()
    store = _store(args)

    def progress(done: int, total: int, message: str) -> None:
        print(f"\r[{done}/{total}] {message[:90]:<90}", end="", file=sys.stderr, flush=True)

    try:
        report = collect(store, args.prompts, models, args.name, concurrency=args.concurrency,
                         judge_model=args.judge, kind=args.kind, limit=args.limit, pool=pool,
                         on_progress=progress)
    except KeyboardInterrupt:
        print("\ninterrupted: every answer so far is saved; run the same command to resume.",
              file=sys.stderr)
        return 130
    print(file=sys.stderr)
    print(report.summary())
    if args.export:
        print(f"Exported {export_log(store, args.name, args.export):,} rows to {args.export}")
    return 0 if report.failed == 0 else 1


def _embed(args) -> int:
    from app.embed import maps
    from app.embed.embeddings import default_encoder, embed_dataset, told_in_tenths
    from app.store.datasets import by_name

    store = _store(args)
    dataset = by_name(store, args.name)
    if dataset is None:
        print(f"error: no dataset named '{args.name}'.", file=sys.stderr)
        return 1
    dataset_id, version = dataset.id, dataset.version
    name = args.encoder or default_encoder()
    stages = Stages()
    try:
        ids, X, fresh = embed_dataset(store, dataset_id, name,
                                      progress=told_in_tenths(stages, f"'{args.name}'"))
        stages.close()
        print(f"{len(X):,} queries embedded with {name} ({fresh:,} new, the rest cached).")
        if not args.no_map:
            maps.ensure_map(store, dataset_id, version, name, maps.MapParams(),
                            progress=stages, embedded=(ids, X))
            stages.close()
            print("Map ready.")
    finally:
        stages.close()  # a failure mid-stage still ends its line before the traceback
    return 0


class _RouterAction(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        routers = getattr(namespace, self.dest) or []
        routers.append({"kind": value, "params": {}})
        setattr(namespace, self.dest, routers)


class _ParamAction(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        routers = getattr(namespace, self.dest) or []
        if not routers:
            parser.error("--param must follow a --router")
        key, _, raw = value.partition("=")
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        routers[-1]["params"][key.strip()] = parsed


def _evaluate(args) -> int:
    from app.present.comparison_out import as_json, as_table
    from app.routing import remembered
    from app.routing.comparison import compare
    from app.routing.configs import RouterConfig, RouterProblem, default_configs

    if args.routers:
        configs, seen = [], {}
        for entry in args.routers:
            seen[entry["kind"]] = seen.get(entry["kind"], 0) + 1
            suffix = f"-{seen[entry['kind']]}" if seen[entry["kind"]] > 1 else ""
            configs.append(RouterConfig(entry["kind"] + suffix, entry["kind"], entry["params"]))
    else:
        configs = default_configs()
    store = _store(args)
    found = datasets.by_name(store, args.name)
    if found is not None and found.format == "pairwise":
        return _evaluate_battles(store, args)
    question = dict(n_boot=args.boot,
                    models=[m.strip() for m in args.models.split(",") if m.strip()]
                    if args.models else None,
                    budgets=tuple(b / 1000 for b in args.budget), sample_limit=args.sample)
    key = remembered.digest(store, args.name, configs, **question)
    kept = None if args.fresh else remembered.load(key)
    if kept is not None:
        result, computed_at = kept
        print(f"The same comparison (same data, routers and code) computed "
              f"{computed_at:%Y-%m-%d %H:%M}; --fresh computes it again", file=sys.stderr)
    else:
        try:
            trained = None if args.fresh else remembered.TrainedRouters(
                store, args.name, **question)  # routers evaluated before on this data
            stages = Stages()
            try:
                result = compare(store, args.name, configs, **question, trained=trained,
                                 progress=stages)
            finally:
                stages.close()
        except RouterProblem as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        remembered.save(key, result)
    if args.json:
        print(json.dumps(_strict_json(as_json(result)), indent=1, allow_nan=False))
        return 0
    print("\n".join(as_table(result)))
    return 0


def _evaluate_battles(store, args) -> int:
    """A pairwise log: its preference routers' win rates against a reference model."""
    from app.routing.configs import RouterProblem
    from app.routing.preferences import evaluate_dataset

    try:
        result = evaluate_dataset(store, args.name, reference=args.reference,
                                  n_boot=args.boot)
    except RouterProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(_strict_json({
            "dataset": args.name, "kind": "pairwise", "split": result.split_note,
            "reference": result.reference, "train_battles": result.train_battles,
            "test_battles": result.test_battles, "rows": result.rows}), indent=1,
            allow_nan=False))
        return 0
    print(f"{args.name}: win rate against {result.reference} on {result.test_battles:,} test "
          f"battles ({result.split_note})")
    print(f"{'name':<34} {'deploy':>6} {'win rate':>9} {'95% CI':>17} {'battles':>8}")
    for row in result.rows:
        low, high = row["win_rate_ci"] or (float("nan"), float("nan"))
        print(f"{row['name'][:34]:<34} {'yes' if row['deployable'] else 'NO':>6} "
              f"{row['win_rate']:>9.3f} {f'[{low:.3f}, {high:.3f}]':>17} {row['battles']:>8}")
    return 0


def _onboard(args) -> int:
    """Onboard a log's model into a saved clusters router from representative prompts and
    print onboarded vs retrained vs without it on the test split; --save records it."""
    from app.present.onboarding_out import as_json, as_table
    from app.routing import onboarding
    from app.routing.configs import RouterProblem

    store = _store(args)
    try:
        config = onboarding.saved_onboardable(store, args.router)
        result = onboarding.simulate(store, config, args.model, args.per_cluster,
                                     dataset=args.dataset,
                                     progress=lambda stage: print(stage, file=sys.stderr))
        if args.save:
            onboarding.save(store, result)
    except RouterProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(_strict_json(as_json(result, args.save)), indent=1, allow_nan=False))
    else:
        print("\n".join(as_table(result, args.save)))
    return 0


def _strict_json(value):
    """Plain JSON values: numpy numbers and arrays as Python ones, NaN and infinities (a
    metric that does not exist, e.g. AIQ over a zero-width cost range) as null."""
    if isinstance(value, dict):
        return {str(k): _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _strict_json(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _export(args) -> int:
    from app.data.demo.log import export_log

    print(f"Exported {export_log(_store(args), args.name, args.out):,} rows to {args.out}")
    return 0


def _models(args) -> int:
    from app.models import llm, secrets
    from app.models.pool import load_pool

    for name, spec in load_pool().items():
        key = secrets.where(spec.key_env())
        line = f"{name:<18} {spec.kind:<10} {spec.litellm_model:<40} key: {key}"
        if args.check:
            health = llm.check(spec)
            line += f"  {'OK ' if health.ok else 'DOWN'} {health.message}"
        print(line)
    return 0


def _doctor(args) -> int:
    """One line per check; exit 1 when any failed (warnings do not fail)."""
    from app import doctor

    findings = []
    for finding in doctor.run(quick=args.quick, db=Path(args.db) if args.db else None):
        print(finding.line(), flush=True)
        findings.append(finding)
    failed = [f.check for f in findings if f.status == doctor.FAIL]
    warned = [f.check for f in findings if f.status == doctor.WARN]
    print(f"\n{len(findings) - len(failed) - len(warned)} ok, {len(warned)} with a warning, "
          f"{len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _serve(args) -> int:
    """The dashboard with the local model server beside it. Ctrl-C, SIGTERM and SIGHUP stop
    both; if this process dies outright (SIGKILL, or the `make` above it exits), the kernel
    stops them too (process_guard), so nothing outlives it holding the database."""
    import signal
    import subprocess

    from app.models import local_server
    from app.models.process_guard import die_with_parent, guarded, stop

    die_with_parent()  # e.g. `make run` stopped by a service manager: we stop as well
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_on_signal)
    server = dashboard = None
    try:
        if not args.no_models:
            print("Starting the local model server (SmolLM2 + Gemma 3) and generating a "
                  "token with each ...", file=sys.stderr)
            try:
                server = local_server.start()
            except RuntimeError as exc:
                print(f"warning: {exc} The dashboard starts without it.", file=sys.stderr)
        command = [str(Path(sys.executable).parent / "streamlit"), "run", "app/main.py",
                   *[a for a in args.streamlit_args if a != "--"]]
        dashboard = subprocess.Popen(guarded(command), cwd=settings.REPO_ROOT)
        return dashboard.wait()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM / SIGHUP via _stop_on_signal
        return 0
    finally:
        stop(dashboard)
        local_server.stop(server)  # records that this stop was asked for


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds into _serve's `finally`


def _remove(args) -> int:
    if remove_dataset(_store(args), args.name):
        print(f"Removed '{args.name}'.")
        return 0
    print(f"error: no dataset named '{args.name}'.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
