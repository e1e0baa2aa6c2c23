"""The whole-array character n-gram hasher: scikit-learn's char_wb HashingVectorizer to the
bit (the hashing encoder's vectors, the query view and exported routers depend on it)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from routers import ngrams
from routers.ngrams import hashed_char_grams

TEXTS = ["The answer is (B) because the integral diverges.",
         "def add(a, b):\n    return a + b",
         "B",
         "I cannot help with that request.",
         "Die Antwort ist B — weil das Integral divergiert.",
         "the answer is b, since the integral diverges",
         "",
         None]


def scikit_learn(texts, n_features: int, max_chars: int | None = None):
    vectorizer = HashingVectorizer(n_features=n_features, analyzer="char_wb",
                                   ngram_range=(2, 4), alternate_sign=False, norm="l2")
    return vectorizer.transform([str(t or "")[:max_chars] for t in texts])


def random_texts(count: int, seed: int = 0) -> list[str]:
    """Every kind of character: ASCII, accents, CJK, emoji (4 UTF-8 bytes), a letter that
    lower-cases to two code points, NUL, tabs, newlines, no-break spaces, runs of spaces."""
    rng = np.random.default_rng(seed)
    alphabet = list("abcdeé XYZ\t\u00a0.,!日本😀ßİ\x00") + ["  ", "\n"]
    return ["".join(rng.choice(alphabet, rng.integers(0, 80))) for _ in range(count)]


@pytest.mark.parametrize("n_features", [512, 4096, 2 ** 20])
def test_equals_scikit_learn_to_the_bit(n_features):
    texts = TEXTS + random_texts(1500)
    ours, theirs = hashed_char_grams(texts, n_features), scikit_learn(texts, n_features)
    assert ours.shape == theirs.shape and (ours != theirs).nnz == 0


def test_max_chars_cuts_each_text_as_before_hashing():
    long = ["alpha beta 😀 " * 500, "x" * 5000]
    assert (hashed_char_grams(long, 4096, 40) != scikit_learn(long, 4096, 40)).nnz == 0


def test_batches_and_empty_inputs(monkeypatch):
    assert hashed_char_grams([], 512).shape == (0, 512)
    assert hashed_char_grams(["", None, "   "], 512).nnz == 0
    whole = hashed_char_grams(TEXTS * 50, 4096)
    monkeypatch.setattr(ngrams, "CHUNK_CHARS", 64)  # many small batches
    assert (hashed_char_grams(TEXTS * 50, 4096) != whole).nnz == 0


def test_the_hashing_encoder_is_unchanged():
    """Vectors cached by the hashing encoder before it moved off scikit-learn stay valid."""
    from app.embed.embeddings import HashingNgrams

    texts = TEXTS[:-1] + random_texts(200, seed=1)
    want = scikit_learn(texts, 512).toarray().astype(np.float32)
    assert np.array_equal(HashingNgrams().encode(texts), want)
