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

Each router's own trained results (its curve on the test split, its scores, its budget
rows) are kept too, by a digest of what they depend on: the router's config, the data and
sample, the models kept, the budgets, the code. A comparison of another line-up on the same
data trains only the routers it has not seen: taking a router off the Compare page's picker,
or adding one, costs that router's training and the intervals, not every router's.
"""

from __future__ import annotations

import contextlib
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
KEEP_TRAINED = 64  # routers' trained results kept: ~1 MB each on the RouterBench subset
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "routers")  # every module a comparison may run
LIBRARIES = ("numpy", "scikit-learn", "scipy", "duckdb", "torch", "sentence-transformers",
             "openvino")


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
    return _read(cache_dir() / f"{key}.pickle")


def save(key: str, result) -> bool:
    """Keep a result, whole or not at all, and drop the oldest beyond KEEP; whether it was
    kept (a folder that cannot be written only costs the reuse)."""
    return _write(cache_dir(), key, result, KEEP)


class TrainedRouters:
    """Each router's trained results in comparisons on one dataset, sample, set of models
    and budgets, kept on disk: `get(config)` gives what `put(config, ...)` kept for the same
    config on the same data and code, or None. compare() takes one to train only the routers
    it has not seen (`routelab evaluate --fresh` passes none)."""

    def __init__(self, store: Store, dataset: str, *, models=None, budgets=(),
                 n_boot: int, sample_limit: int):
        budgets = tuple(float(b) for b in budgets)
        # the resamples only reach a router's own results through its budget rows
        self._shared = (dataset, tuple(models or ()), budgets, int(n_boot) if budgets else None,
                        int(sample_limit), default_encoder(), datasets.data_stamp(store),
                        code_fingerprint(), _library_versions())
        self.folder = cache_dir() / "routers"

    def key(self, config) -> str:
        parts = (self._shared, config.to_json())
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]

    def get(self, config):
        path = self.folder / f"{self.key(config)}.pickle"
        found = _read(path)
        if found is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used: the last to be dropped
        return found[0]

    def put(self, config, trained) -> None:
        _write(self.folder, self.key(config), trained, KEEP_TRAINED)


def _read(path: Path):
    """(what the file holds, when it was written) or None; an unreadable file is deleted."""
    try:
        with path.open("rb") as handle:
            result = pickle.load(handle)
        return result, dt.datetime.fromtimestamp(path.stat().st_mtime)
    except FileNotFoundError:
        return None
    except Exception:  # any file that cannot be read is computed again, never trusted
        path.unlink(missing_ok=True)
        return None


def _write(folder: Path, key: str, result, keep: int) -> bool:
    """Write aside, then rename into place (whole or absent); drop the oldest beyond `keep`.
    False when the folder cannot be written: that only costs the reuse."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{key}.pickle")
        kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        return False
    return True


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
