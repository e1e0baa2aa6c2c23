"""The whole-array character n-gram hasher behind the learned judge's answer view: the same
feature as scikit-learn's char_wb HashingVectorizer (grams within words), computed faster."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from routers import judge, ngrams
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


def test_similarities_match_scikit_learns_char_wb():
    """Another hash, the same feature: answer-to-answer cosines agree with scikit-learn's
    within hash collisions and its one-gram rule for words shorter than a gram."""
    texts = [t for t in TEXTS if t]
    ours = hashed_char_grams(texts, 4096, 2000)
    theirs = HashingVectorizer(n_features=4096, analyzer="char_wb", ngram_range=(2, 4),
                               alternate_sign=False, norm="l2").transform(texts)
    same = (ours @ ours.T).toarray()
    reference = (theirs @ theirs.T).toarray()
    assert np.abs(same - reference).max() < 0.1
    # and the two phrasings of one answer stay far more alike than unrelated answers
    assert same[0, 5] > 0.6 > same[0, 1]


def test_probabilities_many_equals_one_prediction_per_mask(monkeypatch):
    """Batching prefixes into few predictions (the chain search) changes no probability,
    however the batches are cut."""
    from routers.judged import JudgedCascade
    from tests.test_learned_judge import answered_log

    outcomes = answered_log(300)
    router = JudgedCascade().fit(outcomes)
    ev = router.evidence(outcomes.queries, outcomes.responses)
    rng = np.random.default_rng(3)
    masks = [judge.sampled_sets(ev.answered, 2, rng) for _ in range(4)]
    single = [judge.probabilities(router.judge_, ev, mask) for mask in masks]
    monkeypatch.setattr(judge, "PREDICT_ROWS", 50)
    for got, want in zip(judge.probabilities_many(router.judge_, ev, masks), single,
                         strict=True):
        assert np.array_equal(got, want)
