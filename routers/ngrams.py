"""scikit-learn's hashed character n-grams, computed for many texts at once in numpy.

`hashed_char_grams(texts, n, max_chars)` equals, to the bit,
`HashingVectorizer(n_features=n, analyzer="char_wb", ngram_range=(2, 4),
alternate_sign=False, norm="l2").transform([t[:max_chars] for t in texts])`: the same
grams (lower-cased, whitespace-collapsed text, 2-4-grams that never span two words, word
edges marked by a space), the same hash (MurmurHash3 x86 32-bit of each gram's UTF-8
bytes, seed 0, index |h| mod n), the same unit rows (tests/test_ngrams.py checks all of
it). scikit-learn builds every gram as a Python string, about 1 µs a character; this hashes
the code points of all texts together, 3x faster. So vectors cached by, or exported with,
scikit-learn's hasher stay valid.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

SPACE = 32
SIZES = (2, 3, 4)
CHUNK_CHARS = 1_000_000  # texts hashed per batch: a few hundred bytes of arrays a character
_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def hashed_char_grams(texts, n_features: int, max_chars: int | None = None
                      ) -> sparse.csr_matrix:
    """(len(texts), n_features) L2-normalised counts of hashed character 2-4-grams within
    the words of each text (of its first `max_chars` characters when given)."""
    docs = [" ".join(str(t or "")[:max_chars].lower().split()) for t in texts]
    blocks, start, size = [], 0, 0
    for end, doc in enumerate(docs, 1):
        size += len(doc) + 3
        if size >= CHUNK_CHARS or end == len(docs):
            blocks.append(_counts(docs[start:end], n_features))
            start, size = end, 0
    if not blocks:
        return sparse.csr_matrix((0, n_features))
    counts = sparse.vstack(blocks, format="csr")
    # counts are whole numbers, so the norm is exact whatever the order of the sum
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(counts.indptr))
    return counts


def _counts(docs: list[str], n_features: int) -> sparse.csr_matrix:
    # each non-empty text padded by a space at each end, all texts end to end
    padded = [f" {d} " if d else "" for d in docs]
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32)
    if not codes.size:
        return sparse.csr_matrix((len(docs), n_features))
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int32), [len(p) for p in padded])
    spaces = np.cumsum(codes == SPACE, dtype=np.int32)
    wide = np.cumsum(codes >= 0x80, dtype=np.int32)  # code points beyond ASCII so far
    utf8, lengths = _utf8(codes) if wide[-1] else (None, None)
    rows, cols = [], []
    for n in SIZES:
        starts = np.arange(len(codes) - n + 1, dtype=np.int64)
        ends = starts + n - 1
        # the window lies in one text ...
        valid = doc_of[ends] == doc_of[starts]
        if n > 2:  # ... and no space strictly inside it (the gram stays in one word)
            valid &= spaces[ends - 1] == spaces[starts]
        starts = starts[valid]
        # most grams are ASCII: one byte a character, hashed without assembling bytes
        ascii_only = wide[ends[valid]] == wide[starts] - (codes[starts] >= 0x80)
        h = np.empty(len(starts), dtype=np.uint32)
        h[ascii_only] = _murmur3_ascii(codes, starts[ascii_only], n)
        if not ascii_only.all():
            h[~ascii_only] = _murmur3(*_gram_bytes(utf8, lengths, starts[~ascii_only], n))
        rows.append(doc_of[starts])
        # as scikit-learn: |h| mod n of the signed hash (|-2**31| fits in int64)
        cols.append(np.abs(h.view(np.int32).astype(np.int64)) % n_features)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                               shape=(len(docs), n_features))
    counts.sum_duplicates()
    return counts


def _utf8(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each code point's UTF-8 bytes ((n, 4), left-aligned) and byte count."""
    lengths = (1 + (codes >= 0x80) + (codes >= 0x800) + (codes >= 0x10000)).astype(np.int64)
    out = np.zeros((len(codes), 4), dtype=np.uint8)
    for length, lead in ((1, 0x00), (2, 0xC0), (3, 0xE0), (4, 0xF0)):
        mine = lengths == length
        c = codes[mine]
        out[mine, 0] = lead | (c >> (6 * (length - 1)))
        for b in range(1, length):
            out[mine, b] = 0x80 | ((c >> (6 * (length - 1 - b))) & 0x3F)
    return out, lengths


def _gram_bytes(utf8: np.ndarray, lengths: np.ndarray, starts: np.ndarray, n: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Each n-gram's UTF-8 bytes ((w, 16), zero-padded) and byte count."""
    out = np.zeros((len(starts), 16), dtype=np.uint8)
    offset = np.zeros(len(starts), dtype=np.int64)
    rows = np.arange(len(starts))
    for k in range(n):
        position = starts + k
        size = lengths[position]
        for b in range(4):
            has = size > b
            out[rows[has], offset[has] + b] = utf8[position[has], b]
        offset += size
    return out, offset


def _murmur3_ascii(codes: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """`_murmur3` of n-grams of ASCII characters (n <= 4: one block, or a tail alone)."""
    packed = np.zeros(len(starts), dtype=np.uint32)
    for k in range(n):
        packed |= codes[starts + k] << np.uint32(8 * k)
    k1 = _rotl(packed * _C1, 15) * _C2
    h = _rotl(k1, 13) * np.uint32(5) + np.uint32(0xE6546B64) if n == 4 else k1
    return _finish(h, np.full(len(starts), n, dtype=np.uint32))


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _murmur3(data: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3 x86 32-bit, seed 0, of each row's first `lengths` bytes (at most 16)."""
    words = data.view("<u4")  # (w, 4) little-endian 32-bit blocks
    h = np.zeros(len(data), dtype=np.uint32)
    blocks = lengths // 4
    for j in range(4):
        k = _rotl(words[:, j] * _C1, 15) * _C2
        mixed = _rotl(h ^ k, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = np.where(blocks > j, mixed, h)
    tail_length = lengths % 4
    tail = np.zeros(len(data), dtype=np.uint32)
    rows = np.arange(len(data))
    for t in (2, 1, 0):  # the tail's bytes, last first, as the reference implementation
        has = tail_length > t
        tail[has] ^= data[rows[has], 4 * blocks[has] + t].astype(np.uint32) << np.uint32(8 * t)
    k = _rotl(tail * _C1, 15) * _C2
    h = np.where(tail_length > 0, h ^ k, h)
    return _finish(h, lengths.astype(np.uint32))


def _finish(h: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3's length and final avalanche."""
    h = h ^ lengths
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h
