"""UMAP's compiled code is kept on disk: a second process loads it instead of compiling."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO

# a fresh process fits a small map, places a query with UMAP's transform, and says whether
# umap's own (uncached upstream) smooth_knn_dist was compiled or loaded from numba's cache
CHILD = """
import json
import numpy as np
from app.embed.maps import MapParams, fit_umap
from app.embed.umap_loader import load_umap

X = np.random.default_rng(0).normal(size=(120, 16)).astype(np.float32)
reducer, coords = fit_umap(X, MapParams(n_neighbors=10))
placed = reducer.transform(X[:2])
stats = load_umap().umap_.smooth_knn_dist.stats
print(json.dumps({"coords": coords.round(5).tolist(), "placed": placed.round(5).tolist(),
                  "loaded": sum(stats.cache_hits.values()),
                  "compiled": sum(stats.cache_misses.values())}))
"""


def _fit_in_a_new_process(cache_dir) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_umaps_compiled_code_and_draws_the_same_map(tmp_path):
    first = _fit_in_a_new_process(tmp_path)
    second = _fit_in_a_new_process(tmp_path)
    assert first["compiled"] > 0 and first["loaded"] == 0  # an empty cache: compiled once
    assert second["loaded"] > 0 and second["compiled"] == 0  # then loaded, not compiled
    assert second["coords"] == first["coords"]  # the same map and placement, to 5 places
    assert second["placed"] == first["placed"]
