"""Placing a big log's queries on a map fitted on a sample of them.

UMAP is fitted on a seeded sample (embed/maps.py); every other query goes to the weighted
mean of the map places of its nearest fitted queries. UMAP's own `transform` starts from a
similar mean (over its n_neighbors, weighted by fuzzy membership) and then optimises each
point against the fitted graph: 26 s per 20k queries here, about 21 minutes for a million,
where this takes about 2.5 s per 20k.
"""

from __future__ import annotations

import numpy as np

from app.embed.umap_loader import load_umap

PLACE_NEIGHBOURS = 10  # fitted queries whose places a placed query averages


def place_beside(fitted: np.ndarray, fitted_coords: np.ndarray, seed: int):
    """A function placing vectors at the weighted mean of their PLACE_NEIGHBOURS nearest
    fitted vectors' map coordinates (cosine, pynndescent's approximate index, seeded).
    Weights are inverse squared distances (Shepard's interpolation), so a copy of a fitted
    query lands on it."""
    load_umap()  # imports pynndescent with its compiled code kept on disk
    from pynndescent import NNDescent

    k = min(PLACE_NEIGHBOURS, len(fitted))
    index = NNDescent(fitted, metric="cosine", n_neighbors=max(k, min(30, len(fitted) - 1)),
                      random_state=seed, low_memory=True)
    index.prepare()

    def place(X: np.ndarray) -> np.ndarray:
        neighbours, distance = index.query(X, k=k)
        weight = 1.0 / (distance.astype(np.float64) ** 2 + 1e-12)
        weight /= weight.sum(axis=1, keepdims=True)
        return (fitted_coords[neighbours] * weight[..., None]).sum(axis=1)
    return place
