"""Comparisons kept on disk, so the same question on unchanged data is answered without
training every router again: `routelab evaluate` run a second time, and the Compare page
after the server restarts (its in-memory cache is per server).

A result is found by a digest of everything it depends on: the question (dataset, router
configs, strong/weak pair, resamples, probes, models, budgets, sample size, the default
encoder a config without one uses), the data (every dataset's version and counts, and the
trained token policies: `datasets.data_stamp`), the code that computes it (a hash of
routelab's own Python sources) and the numeric libraries' versions. A change to any of
them is a new digest, so nothing is ever invalidated in place; the newest KEEP results
stay, beside the database they came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from app import settings
from app.embed.embeddings import default_encoder
from app.store import datasets
from app.store.db import Store

KEEP = 16  # results kept: the default line-up on the RouterBench subset is ~13 MB
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "routers")  # every module a comparison may run
LIBRARIES = ("numpy", "scikit-learn", "scipy", "duckdb", "torch", "sentence-transformers")


def cache_dir() -> Path:
    """Kept results live beside the database they were computed from."""
    return settings.db_path().parent / "comparison-cache"


def digest(store: Store, dataset: str, configs, *, pair=None, n_boot: int, probes=None,
           models=None, budgets=(), sample_limit: int) -> str:
    """The key of a comparison: compare()'s arguments that change its result, the data it
    reads, routelab's code and the libraries' versions. The CLI and the Compare page ask
    the same question the same way, so either finds what the other computed."""
    question = (dataset, tuple(c.to_json() for c in configs), tuple(pair or ()), int(n_boot),
                probes, tuple(models or ()), tuple(float(b) for b in budgets),
                int(sample_limit), default_encoder())  # a config without one uses it
    parts = (question, datasets.data_stamp(store), code_fingerprint(), _library_versions())
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def load(key: str):
    """(the kept Comparison, when it was computed) or None. A file that cannot be read
    (cut short, or from code since changed in a way the digest missed) is deleted and
    counts as absent: it will be computed again."""
    path = cache_dir() / f"{key}.pickle"
    try:
        with path.open("rb") as handle:
            result = pickle.load(handle)
        return result, dt.datetime.fromtimestamp(path.stat().st_mtime)
    except FileNotFoundError:
        return None
    except Exception:  # any file that cannot be read is computed again, never trusted
        path.unlink(missing_ok=True)
        return None


def save(key: str, result) -> None:
    """Keep a result, whole or not at all (written aside, then renamed into place), and
    drop the oldest beyond KEEP. A folder that cannot be written only costs the reuse."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{key}.pickle")
        kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of routelab's Python sources (read once a process: a running server's code
    does not change under it)."""
    hashed = hashlib.sha256()
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            hashed.update(str(path.relative_to(ROOT)).encode("utf-8"))
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


@lru_cache(maxsize=1)
def _library_versions() -> tuple:
    found = []
    for name in LIBRARIES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, None))
    return tuple(found)
