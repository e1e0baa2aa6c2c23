"""Hashed character n-grams of many texts at once, in whole-array numpy.

scikit-learn's HashingVectorizer builds every n-gram as a Python string: about 1 µs a
character, 4 s of the learned judge's fit on RouterBench's 35k logged answers. This counts the
same grams as its char_wb analyzer (lower-cased, whitespace-collapsed text, 2-4-grams that
never span two words, word edges marked by a space; tests/test_ngrams.py checks them text
by text; a NUL, which separates texts here, is whitespace, where scikit-learn keeps it in
its word), on the code points of all texts together, 3x faster. The grams are hashed
another way, so the columns differ from scikit-learn's: it serves features fitted and read
in the same process (the judge's answer view), while the query view keeps scikit-learn's,
which exported routers reproduce.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

SEPARATOR, SPACE = 0, 32
CHUNK_CHARS = 1_000_000  # texts hashed per batch: ~180 bytes of index arrays a character
_MULTIPLIER = np.uint64(0x100000001B3)  # FNV-1a's prime: spreads code points over 64 bits


def hashed_char_grams(texts, n_features: int, max_chars: int,
                      sizes: tuple[int, ...] = (2, 3, 4)) -> sparse.csr_matrix:
    """(len(texts), n_features) L2-normalised counts of hashed character n-grams (of each
    size in `sizes`) within the words of each text's first `max_chars` characters."""
    # NUL separates the texts below, so one inside a text is whitespace like any other
    docs = [" ".join(str(t or "")[:max_chars].replace("\x00", " ").lower().split())
            for t in texts]
    blocks, start, size = [], 0, 0
    for end, doc in enumerate(docs, 1):
        size += len(doc) + 3
        if size >= CHUNK_CHARS or end == len(docs):
            blocks.append(_counts(docs[start:end], n_features, sizes))
            start, size = end, 0
    if not blocks:
        return sparse.csr_matrix((0, n_features))
    return normalize(sparse.vstack(blocks, format="csr"), copy=False)


def _counts(docs: list[str], n_features: int, sizes: tuple[int, ...]) -> sparse.csr_matrix:
    # each non-empty text padded by a space at each end, texts joined by a separator
    joined = "\x00" + "\x00".join(f" {d} " if d else "" for d in docs) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    separators = np.cumsum(codes == SEPARATOR, dtype=np.int32)
    spaces = np.cumsum(codes == SPACE, dtype=np.int32)
    doc_of = separators - 1  # the text each position belongs to
    rows, cols = [], []
    for n in sizes:
        starts = np.arange(len(codes) - n + 1, dtype=np.int32)
        ends = starts + n - 1
        # no separator inside the window (all in one text) ...
        valid = separators[ends] == separators[starts]
        valid &= codes[starts] != SEPARATOR
        if n > 2:  # ... and no space strictly inside it (the gram stays in one word)
            valid &= spaces[ends - 1] == spaces[starts]
        starts = starts[valid]
        h = np.full(len(starts), np.uint64(n))
        for k in range(n):
            h = (h ^ codes[starts + k]) * _MULTIPLIER
        h ^= h >> np.uint64(29)
        rows.append(doc_of[starts])
        cols.append((h % np.uint64(n_features)).astype(np.int32))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(docs), n_features))
    counts.sum_duplicates()
    return counts
