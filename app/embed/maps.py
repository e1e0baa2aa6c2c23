"""The 2-D map of a dataset's queries and the win regions drawn behind it.

Projection: UMAP with the cosine metric, cached per (dataset version, encoder, parameters)
in DuckDB, and the fitted reducer kept on disk so a new query can be placed with
`transform`. Win regions: a grid over the map; each cell looks at its nearby queries and
picks the model that wins them under the chosen objective, with confidence as opacity.

Large logs: UMAP is fitted on a seeded sample of FIT_SAMPLE queries and each other query
is placed beside its nearest fitted ones (embed/placement.py; UMAP's `transform` took 26 s
per 20k queries here, about 21 minutes for a million), in chunks with progress; win
regions come from a seeded sample of REGION_SAMPLE queries; a page draws the whole log as
a density grid (every query counted) with a seeded sample of DRAW_SAMPLE points on top.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from app import settings
from app.embed.placement import place_beside
from app.embed.umap_loader import load_umap
from app.store.db import Store
from routers.neighbours import weighted_nanmean

FIT_SAMPLE = 20_000       # queries UMAP is fitted on; the others are placed beside them
TRANSFORM_CHUNK = 50_000  # queries placed per progress step
REGION_SAMPLE = 50_000    # queries the win regions are computed from
DRAW_SAMPLE = 20_000      # points drawn over the density of a larger log


def sample_rows(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Sorted row indices of a seeded sample of `size` of n rows (all of them when n <=
    size), so the same log always shows the same sample."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


@dataclass(frozen=True)
class Density:
    """How many queries fall in each cell of a grid over the map (every query counted)."""

    xs: np.ndarray              # (bins,) cell centres
    ys: np.ndarray              # (bins,)
    counts: np.ndarray          # (bins, bins) [y, x]


def density(coords: np.ndarray, bins: int = 160) -> Density:
    counts, x_edges, y_edges = np.histogram2d(coords[:, 0], coords[:, 1], bins=bins)
    return Density((x_edges[:-1] + x_edges[1:]) / 2, (y_edges[:-1] + y_edges[1:]) / 2,
                   counts.T.astype(np.int64))


def cache_dir() -> Path:
    """Fitted reducers live beside the database they belong to."""
    return settings.db_path().parent / "umap-cache"


@dataclass(frozen=True)
class MapParams:
    # Wider neighbourhoods and looser packing than UMAP's defaults: templated prompts
    # otherwise collapse into specks and the regions between them vanish.
    n_neighbors: int = 30
    min_dist: float = 0.5
    seed: int = 42
    # UMAP runs 500 epochs up to 10,000 points and 200 above. On real query vectors 200
    # keep the layout as trustworthy in half the time (bench/embed_map.py (e): 10,000
    # queries in 7.9 s against 16.8 s, trustworthiness at 10 neighbours 0.902 against 0.905).
    n_epochs: int = 200

    def key(self) -> str:
        return hashlib.md5(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def fit_umap(X: np.ndarray, params: MapParams, progress=None):
    """A fitted UMAP reducer (cosine) and the 2-D coordinates of X: fitted on all of X, or
    on a seeded sample of FIT_SAMPLE rows of a larger X with the rest placed beside their
    nearest fitted rows (`place_beside`). `progress(done, total)` counts the rows placed."""
    umap = load_umap()  # compiled code kept on disk: a new process does not compile it again
    fit_rows = sample_rows(len(X), FIT_SAMPLE, params.seed)
    # n_jobs=1: a seeded UMAP runs on one thread whatever it is given, and warns otherwise
    reducer = umap.UMAP(n_components=2, metric="cosine", n_neighbors=min(params.n_neighbors,
                        max(2, len(fit_rows) - 1)), min_dist=params.min_dist,
                        n_epochs=params.n_epochs, random_state=params.seed, n_jobs=1,
                        low_memory=True)
    coords = np.zeros((len(X), 2))
    coords[fit_rows] = reducer.fit_transform(X[fit_rows])
    if progress:
        progress(len(fit_rows), len(X))
    rest = np.setdiff1d(np.arange(len(X)), fit_rows)
    if len(rest):
        place = place_beside(X[fit_rows], coords[fit_rows], params.seed)
        for start in range(0, len(rest), TRANSFORM_CHUNK):
            rows = rest[start:start + TRANSFORM_CHUNK]
            coords[rows] = place(X[rows])
            if progress:
                progress(len(fit_rows) + start + len(rows), len(X))
    return reducer, coords


def reducer_path(dataset_id: int, version: str, encoder: str, params: MapParams) -> Path:
    tag = hashlib.md5(f"{dataset_id}|{version}|{encoder}".encode()).hexdigest()[:12]
    return cache_dir() / f"{tag}-{params.key()}.joblib"


def cached_projection(store: Store, dataset_id: int, version: str, encoder: str,
                      params: MapParams) -> tuple[np.ndarray, np.ndarray] | None:
    """(query_ids, coords) from the cache, or None when this map was never computed."""
    with store.cursor() as cur:
        table = cur.sql("""SELECT query_id, x, y FROM projections WHERE dataset_id = ?
                               AND version = ? AND encoder = ? AND method = 'umap'
                               AND params_hash = ? ORDER BY query_id""",
                        params=[dataset_id, version, encoder, params.key()]).to_arrow_table()
    if table.num_rows == 0:
        return None
    coords = np.column_stack([table.column("x").to_numpy(), table.column("y").to_numpy()])
    return table.column("query_id").to_numpy(), coords


def save_projection(store: Store, dataset_id: int, version: str, encoder: str,
                    params: MapParams, query_ids: np.ndarray, coords: np.ndarray,
                    reducer=None) -> None:
    """Store the coordinates (replacing older versions of this dataset's map) and reducer."""
    batch = pa.table({"query_id": pa.array(query_ids, pa.int64()),
                      "x": pa.array(coords[:, 0]), "y": pa.array(coords[:, 1])})

    def write(cur):
        cur.execute("DELETE FROM projections WHERE dataset_id = ? AND encoder = ? AND "
                    "params_hash = ?", [dataset_id, encoder, params.key()])
        cur.register("batch", batch)
        cur.execute("INSERT INTO projections SELECT ?, ?, ?, 'umap', ?, query_id, x, y "
                    "FROM batch", [dataset_id, version, encoder, params.key()])
        cur.unregister("batch")
    store.write(write)
    if reducer is not None:
        import joblib

        path = reducer_path(dataset_id, version, encoder, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(reducer, path)


def load_reducer(dataset_id: int, version: str, encoder: str, params: MapParams):
    """The fitted reducer this process saved for that map, or None."""
    path = reducer_path(dataset_id, version, encoder, params)
    if not path.exists():
        return None
    import joblib

    load_umap()  # unpickling imports umap: with its compiled code kept on disk
    return joblib.load(path)  # routelab's own file, written by save_projection


# ---- win regions: pure functions over arrays -------------------------------------------

@dataclass(frozen=True)
class Objective:
    """How a model 'wins' a query: best score, score minus lambda * cost, or the cheapest
    model whose score reaches tau."""

    kind: str = "best"          # best | tradeoff | good_enough
    lam: float = 0.0            # quality points given up per unit of normalised cost
    tau: float = 1.0            # the "good enough" score


@dataclass(frozen=True)
class Regions:
    xs: np.ndarray              # (gx,) cell centres
    ys: np.ndarray              # (gy,)
    winner: np.ndarray          # (gy, gx) model index, TIE where several are best, -1
                                # where there are no queries nearby
    confidence: np.ndarray      # (gy, gx) in [0, 1]


def cost_scale(costs: np.ndarray) -> float:
    """The most expensive model's mean cost: lambda = 1 trades one quality point for it."""
    means = np.nanmean(np.where(np.isnan(costs), 0.0, costs), axis=0) if costs.size else []
    scale = float(np.max(means)) if len(means) else 0.0
    return scale if scale > 0 else 1.0


def decide(scores: np.ndarray, costs: np.ndarray, objective: Objective,
           scale: float | None = None) -> np.ndarray:
    """Per row, the winning model index (-1 when no model was scored)."""
    utility, known = _utility(scores, costs, objective, scale)
    winner = np.argmax(utility, axis=1)
    return np.where(known.any(axis=1), winner, -1)


def _best(scores: np.ndarray, costs: np.ndarray, objective: Objective,
          scale: float | None = None) -> np.ndarray:
    """(n, m): the models tied at each row's best utility (more than one where nothing,
    not even a known cost, tells them apart)."""
    utility, known = _utility(scores, costs, objective, scale)
    return known & (utility == utility.max(axis=1, keepdims=True, initial=-np.inf))


def _utility(scores: np.ndarray, costs: np.ndarray, objective: Objective,
             scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(each model's utility on each row under the objective, which scores are known)"""
    known = ~np.isnan(scores)
    filled = np.where(known, scores, -np.inf)
    cost = np.nan_to_num(costs, nan=0.0) / (scale or cost_scale(costs))
    if objective.kind == "tradeoff":
        utility = filled - objective.lam * cost
    elif objective.kind == "good_enough":
        good = known & (scores >= objective.tau)
        # the cheapest good-enough model; when none is, the best score (then cheapest)
        utility = np.where(good, 10.0 - cost, filled - 1e-6 * cost - 10.0)
    else:
        utility = filled - 1e-9 * cost  # ties go to the cheaper model
    return utility, known


def win_regions(coords: np.ndarray, scores: np.ndarray, costs: np.ndarray,
                objective: Objective, grid: int = 80, k: int = 15) -> Regions:
    """For each grid cell, aggregate the k nearest queries' scores and costs (Gaussian
    weights), decide the winner (TIE where nothing parts several), and measure confidence
    as the weighted share of those queries for which that winner is (one of) the best.
    Cells far from every query stay empty."""
    from sklearn.neighbors import NearestNeighbors

    n = len(coords)
    low, high = coords.min(axis=0), coords.max(axis=0)
    pad = (high - low) * 0.04 + 1e-9
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], grid)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], grid)
    cells = np.array([(x, y) for y in ys for x in xs])
    k = max(1, min(k, n))
    index = NearestNeighbors(n_neighbors=k).fit(coords)
    # The typical radius holding k queries around a query sets both the smoothing and
    # how far from every query a cell may be before it counts as empty.
    radius = float(np.median(index.kneighbors(coords)[0][:, -1])) if n > 1 else 1.0
    bandwidth = max(radius, 1e-9)
    distance, neighbours = index.kneighbors(cells)
    weight = np.exp(-0.5 * (distance / bandwidth) ** 2)
    weight /= weight.sum(axis=1, keepdims=True)
    scale = cost_scale(costs)
    cell_scores = weighted_nanmean(scores[neighbours], weight)
    cell_costs = weighted_nanmean(np.nan_to_num(costs, nan=0.0)[neighbours], weight)
    cell_best = _best(cell_scores, cell_costs, objective, scale)
    winner = _pick(cell_best)
    # a query agrees with its cell when every model best there is among its own best: a
    # tie nothing breaks (no costs) backs each tied model, not the first one by name, and
    # a tied cell is sure where its queries tie the same way
    point_best = _best(scores, costs, objective, scale)
    agree = np.all(point_best[neighbours] | ~cell_best[:, None, :], axis=2) * weight
    confidence = agree.sum(axis=1)
    empty = (distance[:, 0] > 2.5 * bandwidth) | ~cell_best.any(axis=1)
    winner = np.where(empty, -1, winner)
    confidence = np.where(empty, 0.0, confidence)
    return Regions(xs, ys, winner.reshape(grid, grid), confidence.reshape(grid, grid))


TIE = -2  # several models best, and nothing (not even a known cost) parts them


def _pick(best: np.ndarray) -> np.ndarray:
    """Per row of `_best`'s mask: the one best model, TIE for several, -1 for none."""
    count = best.sum(axis=1)
    return np.where(count == 1, np.argmax(best, axis=1), np.where(count > 1, TIE, -1))


def oracle_pick(scores: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Per query, the cheapest model with the best score (an unpriced model counts as free,
    as everywhere on the Map); -1 when none scores above 0; TIE when several share the best
    score at the same cost (none priced, say). Without TIE, a log with no costs (or a
    battle that ended in a tie) gave every tie to its first model by name, and the Map
    painted that model's colour over every query two models got right."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    right = filled.max(axis=1, initial=-np.inf) > 0
    return np.where(right, _pick(_best(scores, costs, Objective("best"))), -1)


# ---- building a dataset's map ------------------------------------------------------------

def ensure_map(store: Store, dataset_id: int, version: str, encoder_name: str,
               params: MapParams, progress=None, embedded=None
               ) -> tuple[np.ndarray, np.ndarray]:
    """(query_ids, coords) of a dataset's map: from the cache, or embedded and projected now.

    `progress(stage, fraction)` is told what is happening, for long first runs. `embedded`,
    the (query_ids, X) a caller already read with embed_dataset, spares reading the vectors
    again (a million of them take about 12 s).
    """
    cached = cached_projection(store, dataset_id, version, encoder_name, params)
    if cached is not None and reducer_path(dataset_id, version, encoder_name, params).exists():
        return cached
    from app.embed.embeddings import embed_dataset

    say = progress or (lambda stage, fraction: None)
    if embedded is not None:
        ids, X = embedded
    else:
        say("Embedding queries (loading the encoder if any are new)", 0.0)
        ids, X, _ = embed_dataset(store, dataset_id, encoder_name,
                                  progress=lambda done, total: say(
                                      f"Embedding queries ({done:,}/{total:,} new)",
                                      0.7 * done / max(total, 1)))
    fitted = min(len(ids), FIT_SAMPLE)
    say(f"Projecting {len(ids):,} queries with UMAP (fitted on {fitted:,}, the others placed "
        "beside their nearest fitted ones; the first run on this machine also compiles "
        "UMAP, 10-30 s)", 0.7)
    reducer, coords = fit_umap(X, params, progress=lambda done, total: say(
        f"Projecting queries with UMAP ({done:,}/{total:,} placed)",
        0.7 + 0.28 * done / max(total, 1)))
    save_projection(store, dataset_id, version, encoder_name, params, ids, coords, reducer)
    say("Map ready", 1.0)
    return ids, coords
