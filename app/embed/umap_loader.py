"""UMAP imported with numba's on-disk cache on, so a new process does not compile it again.

umap-learn's ~450 numba functions are compiled on first use, and few of them ask numba to
keep the compiled code (`cache=True`). Every new process therefore paid about 7 s of
compilation for its first fit and 2 s for its first `transform`: a fresh Streamlit
server's first map and first placed query, every test server, every benchmark process.

Importing umap (and pynndescent, which it imports) while `numba.njit` defaults to
`cache=True` keeps that code on disk in numba's own cache (each package's `__pycache__`,
or numba's user cache directory when that is read-only). Numba keys each entry by the
function's source file and by the CPU's name and features, so a changed package or a CPU
with other instructions compiles its own instead of loading code it cannot run. A
decorator that sets `cache` itself keeps its choice.
"""

from __future__ import annotations

import sys
import threading
import warnings
from contextlib import contextmanager

_IMPORTING = threading.Lock()


def load_umap():
    """The umap module, imported with cached compilation if this process has not imported
    it yet. Call it before unpickling a fitted reducer, which imports umap too."""
    with _IMPORTING:
        if "umap" not in sys.modules:
            import numba

            with _cached_by_default(numba):
                import umap  # noqa: F401  (decorates its functions now, with the cache on)
            # the cache asked of pynndescent's two functions that cannot keep it (they use
            # dynamic globals): numba compiles them each process, as without this module,
            # and would say so in the server's terminal on every large log's first map
            warnings.filterwarnings(
                "ignore", r'Cannot cache compiled function "nn_descent(_internal)?"',
                numba.NumbaWarning)
    return sys.modules["umap"]


@contextmanager
def _cached_by_default(numba):
    """numba.njit with cache=True unless the caller says otherwise, for the duration."""
    njit = numba.njit

    def cached_njit(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return njit(*args, **kwargs)

    numba.njit = cached_njit
    try:
        yield
    finally:
        numba.njit = njit
