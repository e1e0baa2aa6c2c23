"""The whole-array character n-gram hasher behind the learned judge's answer view: the same
feature as scikit-learn's char_wb HashingVectorizer (grams within words), computed faster."""

from __future__ import annotations

import numpy as np
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


def test_rows_are_unit_length_and_an_empty_answer_is_all_zero():
    X = hashed_char_grams(TEXTS, 4096, 2000).toarray()
    assert X.shape == (len(TEXTS), 4096)
    norms = np.linalg.norm(X, axis=1)
    assert np.allclose(norms[:-2], 1.0)
    assert norms[-2] == norms[-1] == 0.0


def test_grams_never_span_two_words():
    """'ab cd' holds exactly the grams of 'ab' and of 'cd': no window across the space."""
    counts = ngrams._counts(["ab cd", "ab", "cd"], 1 << 20, (2, 3, 4)).toarray()
    assert np.array_equal(counts[0], counts[1] + counts[2])
    # ' a', 'ab', 'b ' / ' ab', 'ab ' / ' ab ': six grams per two-letter word
    assert counts[1].sum() == 6


def test_case_spacing_and_batching_do_not_change_a_row(monkeypatch):
    first = hashed_char_grams(["Hello   World", "x"], 4096, 2000).toarray()
    assert np.array_equal(first[0], hashed_char_grams(["hello world"], 4096, 2000).toarray()[0])
    whole = hashed_char_grams(TEXTS * 50, 4096, 2000)
    monkeypatch.setattr(ngrams, "CHUNK_CHARS", 64)  # many small batches
    assert np.array_equal(hashed_char_grams(TEXTS * 50, 4096, 2000).toarray(),
                          whole.toarray())


def test_max_chars_cuts_each_text():
    long = "alpha beta " * 500
    assert np.array_equal(hashed_char_grams([long], 4096, 40).toarray(),
                          hashed_char_grams([long[:40]], 4096, 40).toarray())


def test_the_grams_are_scikit_learns_char_wb_grams():
    """Another hash, the same feature: per text, the multiset of gram counts equals
    scikit-learn's char_wb analyzer's (lower-cased, 2-4-grams within space-padded words),
    in a space wide enough for no two grams to share a column."""
    from collections import Counter

    analyse = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()
    rng = np.random.default_rng(0)
    alphabet = list("abcdeé XYZ\t\u00a0.,!日本") + ["  ", "\n"]
    texts = TEXTS[:-2] + ["".join(rng.choice(alphabet, rng.integers(1, 60)))
                          for _ in range(300)]
    ours = ngrams._counts([" ".join(t.lower().split()) for t in texts], 1 << 30, (2, 3, 4))
    for row, text in enumerate(texts):
        want = sorted(Counter(analyse(text)).values())
        got = sorted(ours[row].data.astype(int).tolist())
        assert got == want, text


def test_a_nul_inside_an_answer_is_whitespace():
    """NUL separates the texts inside the hasher: one in an answer must not shift rows."""
    X = hashed_char_grams(["a\x00b c", "hello", "world"], 4096, 2000).toarray()
    assert X.shape == (3, 4096)
    assert np.array_equal(X[0], hashed_char_grams(["a b c"], 4096, 2000).toarray()[0])
    assert np.array_equal(X[1:], hashed_char_grams(["hello", "world"], 4096, 2000).toarray())
