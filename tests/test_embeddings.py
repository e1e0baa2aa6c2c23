"""The real encoder (all-MiniLM-L6-v2, offline) on a slice of the RouterBench subset."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.data.importers import import_path
from app.embed.embeddings import DEFAULT_ENCODER, embed_dataset, embed_texts, get_encoder
from app.store.datasets import id_of as dataset_id
from tests.conftest import write

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm():
    return get_encoder(DEFAULT_ENCODER)


@pytest.fixture
def slice_of_routerbench(store, tmp_path, routerbench_dir):
    """40 prompts from each of the three tasks, as a small wide CSV."""
    import pandas as pd

    frames = [pd.read_csv(routerbench_dir / f"{task}_test.csv").head(40)
              for task in ("arc_challenge", "mbpp", "winograde")]
    path = tmp_path / "slice_test.csv"
    pd.concat(frames).to_csv(path, index=False)
    import_path(store, path, name="slice")
    return dataset_id(store, "slice")


def test_vectors_are_normalised_and_cached(store, minilm, slice_of_routerbench):
    ids, X, fresh = embed_dataset(store, slice_of_routerbench, minilm)
    assert X.shape == (120, 384) and fresh == 120
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    ids2, X2, fresh2 = embed_dataset(store, slice_of_routerbench, minilm)
    assert fresh2 == 0 and np.array_equal(ids, ids2) and np.allclose(X, X2)


def test_same_task_queries_are_closer(store, minilm, slice_of_routerbench):
    _, X, _ = embed_dataset(store, slice_of_routerbench, minilm)
    tasks = np.array([t for (t,) in store.rows(
        "SELECT task FROM queries WHERE dataset_id = ? ORDER BY query_id",
        [slice_of_routerbench])])
    similarity = X @ X.T
    same = tasks[:, None] == tasks[None, :]
    np.fill_diagonal(same, False)
    different = tasks[:, None] != tasks[None, :]
    assert similarity[same].mean() > similarity[different].mean() + 0.1


def test_cache_is_shared_across_datasets_and_split_by_encoder(store, tmp_path, minilm):
    log = "prompt,model,score\nWhat is 2+2?,a,1\nName a colour.,a,1\n"
    import_path(store, write(tmp_path / "one.csv", log))
    import_path(store, write(tmp_path / "two.csv", log + "Something new,a,0\n"))
    assert embed_dataset(store, dataset_id(store, "one"), minilm)[2] == 2
    assert embed_dataset(store, dataset_id(store, "two"), minilm)[2] == 1  # only the new text
    other = get_encoder("hashing-ngrams-512")
    X, fresh = embed_texts(store, ["What is 2+2?"], other)
    assert fresh == 1 and X.shape == (1, 512)
    assert store.rows("SELECT count(DISTINCT encoder) FROM embeddings")[0][0] == 2


def test_a_dataset_finds_its_cached_vectors_by_duckdbs_md5(store, tmp_path, monkeypatch):
    """embed_dataset looks vectors up by DuckDB's md5 of each text, not Python's: the two
    must agree on every text (Unicode, NUL, emoji, quotes, a tab), read in chunks."""
    from app.embed import embeddings

    texts = ["plain", "café ünïcödé", "日本語の質問", "emoji 🙂 here", "a\x00b", "İstanbul",
             'quoted "twice", with a comma', "tab\there"]
    lines = [{"prompt": t, "model": "a", "score": 1} for t in texts]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    import_path(store, path, name="odd")
    encoder = get_encoder("hashing-ngrams-512")
    X, fresh = embed_texts(store, [t for (t,) in store.rows(
        "SELECT embed_text FROM queries ORDER BY query_id")], encoder)
    assert fresh == len(texts)
    monkeypatch.setattr(embeddings, "LOAD_CHUNK", 3)
    ids, X2, fresh2 = embed_dataset(store, dataset_id(store, "odd"), encoder)
    assert fresh2 == 0 and len(ids) == len(texts) and np.array_equal(X, X2)


def test_bulk_bf16_vectors_match_float32_and_route_alike(slice_of_routerbench, store,
                                                         monkeypatch):
    """bfloat16 autocast for batches is kept only because its vectors stay within cosine
    0.999 of float32's and every query keeps its nearest neighbour; one query is float32."""
    from app.embed.embeddings import MiniLM, bf16_wanted
    from app.store.datasets import query_texts

    texts = query_texts(store, slice_of_routerbench)
    exact, fast = MiniLM(bf16=False), MiniLM(bf16=True)
    A, B = exact.encode(texts), fast.encode(texts)
    assert len(texts) >= MiniLM.BULK and (A * B).sum(axis=1).min() > 0.999
    nearest = [np.argsort(-(X @ X.T), axis=1)[:, 1] for X in (A, B)]
    assert np.array_equal(*nearest)
    assert np.array_equal(fast.encode(texts[:1]), exact.encode(texts[:1]))
    monkeypatch.setenv("ROUTELAB_EMBED_BF16", "0")
    assert not bf16_wanted()


def test_threads_asking_for_an_encoder_while_it_loads_share_one_load(monkeypatch):
    """A worker's job and a script run may both need the encoder first: one load, not two
    (MiniLM takes up to 5 s and 90 MB)."""
    import threading
    import time

    from app.embed import embeddings

    loads = []

    class SlowToLoad:
        name = "slow-to-load-test-encoder"

        def __init__(self):
            loads.append(1)
            time.sleep(0.3)

    monkeypatch.setitem(embeddings.ENCODERS, SlowToLoad.name, SlowToLoad)
    got = []
    threads = [threading.Thread(target=lambda: got.append(
        embeddings.get_encoder(SlowToLoad.name))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert loads == [1] and len(got) == 3 and len({id(e) for e in got}) == 1
