"""`routelab routers export`: a saved router, trained and placed at its operating point, as
files another system runs (the LiteLLM proxy, vLLM Semantic Router, RouteLLM).

Every export is a self-contained directory with a README of how to run it and
`routelab-export.json` (the router, its operating point and its expected test figures).
It is written into a temporary directory beside the target and renamed into place, so a
failed export leaves nothing behind; an existing non-empty directory is never touched.
"""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from app.models.pool import load_pool
from app.routing import catalog
from app.routing.configs import (
    DatasetForRouting,
    RouterConfig,
    build_router,
    fit_router,
    load_for_routing,
    saved_configs,
)
from app.routing.export.base import ExportProblem, ExportSource, prices_of
from app.routing.operating import calibrate, expected_at, point_of
from app.store.db import Store

# target -> its module here (imported when used)
TARGETS = {"litellm": "litellm_proxy", "vllm-sr": "vllm_sr", "routellm": "routellm"}

__all__ = ["TARGETS", "ExportProblem", "export_archive", "export_router", "saved_router"]


def saved_router(store: Store, name: str) -> RouterConfig:
    found = {c.name: c for c in saved_configs(store)}
    if name not in found:
        raise ExportProblem(f"no saved router named '{name}'; saved: "
                            f"{', '.join(found) or 'none (routelab routers save ...)'}")
    return found[name]


def export_router(store: Store, name: str, target: str, out: Path, *,
                  budget: float | None = None, strong_share: float | None = None,
                  data: DatasetForRouting | None = None) -> Path:
    """Write the export of saved router `name` for `target` into directory `out` (new or
    empty); a budget or strong share recalibrates the operating point for this export."""
    if target not in TARGETS:
        raise ExportProblem(f"unknown target '{target}'; choose one of {', '.join(TARGETS)}")
    config = saved_router(store, name)
    if catalog.kind(config.kind).live:
        raise ExportProblem(f"'{name}' is a {config.kind} router: it calls models while it "
                            "routes, so it has no learned state to export")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportProblem(f"{out} already exists and is not an empty directory; choose "
                            "a new --out (nothing was written)")
    if config.dataset is None:
        raise ExportProblem(f"router '{name}' names no dataset to train on")
    module = importlib.import_module(f"app.routing.export.{TARGETS[target]}")
    data = data or load_for_routing(store, config.dataset, config.encoder)
    point = point_of(config)
    recalibrate = budget is not None or strong_share is not None
    if not recalibrate:  # a kind or point the target refuses is refused before training
        module.check(ExportSource(config, build_router(config), data, point))
    router = fit_router(store, config, data)
    if recalibrate:
        point = calibrate(store, config, budget=budget, strong_share=strong_share, data=data,
                          router=router)
    source = ExportSource(config, router, data, point, prices_of(router.models_, load_pool()))
    module.check(source)
    expected = point.expected or expected_at(router, data, point)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        sections = module.write(source, staging)
        _write_manifest(staging, source, target, expected)
        (staging / "README.md").write_text(_readme(source, target, expected, sections),
                                           encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty, checked above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _write_manifest(directory: Path, source: ExportSource, target: str, expected: dict):
    manifest = {"format": "routelab-export/1", "target": target,
                "created_at": datetime.now(UTC).isoformat(),
                "router": {"name": source.config.name, "kind": source.config.kind,
                           "params": source.config.params, "dataset": source.config.dataset,
                           "encoder": source.data.encoder},
                "models": source.models,
                "operating_point": source.point.as_params(),
                "expected_on_test_split": expected,
                "split": source.data.split_note}
    (directory / "routelab-export.json").write_text(json.dumps(manifest, indent=1),
                                                    encoding="utf-8")


def _readme(source: ExportSource, target: str, expected: dict, sections: list[str]) -> str:
    point = source.point
    if point.pair:
        share = point.strong_share if point.strong_share is not None else float("nan")
        where = (f"{share:.0%} of training queries to {point.pair[0]}, the rest to "
                 f"{point.pair[1]} (threshold {point.threshold:.4g} on the score lead)")
    elif point.budget is not None:
        where = f"a budget of ${point.budget:g} per 1,000 queries (λ = {point.tradeoff:.4g})"
    else:
        where = f"λ = {point.tradeoff:.4g} (quality first at 0)"
    low, high = expected["quality_ci"]
    lines = [f"# routelab router '{source.config.name}' for {target}", "",
             f"A router of kind `{source.config.kind}`, trained on the training split of "
             f"'{source.config.dataset}' ({source.data.split_note}), routing among "
             f"{', '.join(source.models)} at {where}.", "",
             f"Expected on {expected['test_queries']:,} test queries it never saw: quality "
             f"{expected['quality']:.3f} (95% interval {low:.3f}-{high:.3f})"]
    if expected.get("usd_per_1k") is not None:
        low, high = expected["usd_per_1k_ci"]
        lines[-1] += (f", ${expected['usd_per_1k']:.4g} per 1,000 queries "
                      f"({low:.4g}-{high:.4g})")
    if expected.get("strong_share") is not None:
        low, high = expected["strong_share_ci"]
        lines[-1] += f", {expected['strong_share']:.0%} ({low:.0%}-{high:.0%}) to the strong model"
    lines[-1] += ". `routelab-export.json` records all of it."
    return "\n".join(lines) + "\n\n" + "\n".join(sections)


def export_archive(store: Store, name: str, target: str, **calibration) -> tuple[bytes, str]:
    """(zip archive of the export, its README) for a download: the same files as
    `export_router` writes, in a folder named `NAME-TARGET` inside the archive."""
    import io
    import zipfile

    with tempfile.TemporaryDirectory() as work:
        folder = export_router(store, name, target, Path(work) / f"{name}-{target}",
                               **calibration)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                archive.write(path, path.relative_to(folder.parent))
        return buffer.getvalue(), (folder / "README.md").read_text(encoding="utf-8")
