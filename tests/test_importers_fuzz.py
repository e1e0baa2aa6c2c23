"""Property tests: malformed and truncated files never raise anything but ImportProblem,
and a refused import leaves the database exactly as it was."""

from __future__ import annotations

import io
import json

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.data.importers import ImportProblem, import_path
from app.store.db import open_store
from tests.conftest import snapshot

_LONG = pd.DataFrame({"prompt": ["What is 2+2?", "Say \"hi\", please", "Ünïcode ✓"] * 2,
                      "model": ["a", "a", "a", "b", "b", "b"],
                      "score": [1, 0, 1, 0.5, 1, 0], "cost": [0.1, 0.1, 0.2, 0.01, 0.0, 0.02],
                      "response": ["4", "hi,\nthere", "✓", "5", "", "x"]})


def _parquet() -> bytes:
    buffer = io.BytesIO()
    _LONG.to_parquet(buffer)
    return buffer.getvalue()


VALID = {
    "log.csv": _LONG.to_csv(index=False).encode(),
    "log.jsonl": _LONG.to_json(orient="records", lines=True).encode(),
    "log.json": _LONG.to_json(orient="records").encode(),
    "log.parquet": _parquet(),
    "wide.csv": b"sample_id,prompt,eval_name,m1,m2,m1|total_cost,m2|total_cost,"
                b"m1|model_response\ns1,\"['Q one?']\",t,1,0,0.1,0.01,\"['A']\"\n"
                b"s2,\"['Q\\\\n two?']\",t,0,1,0.1,0.01,\"['B']\"\n",
    "scores.json": json.dumps([{"question": "q1", "scores": {"m1": 1.0, "m2": 0.0}},
                               {"question": "q2", "scores": {"m1": 0.5, "m2": 1}}]).encode(),
}


@st.composite
def damaged(draw):
    name = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[name])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(
                [b",", b"\"", b"\n", b"abc", b"-1", b"\x00", b"{", b"]", b"NaN", b"\xff\xfe"]))
        elif data:
            data[at:at + draw(st.integers(1, 20))] = b""
    return name, bytes(data)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,  # examples: conftest
                                                HealthCheck.function_scoped_fixture])
@given(case=damaged())
def test_damaged_files_import_whole_or_not_at_all(tmp_path_factory, case):
    name, data = case
    folder = tmp_path_factory.mktemp("fuzz")
    store = open_store(folder / "fuzz.duckdb")
    try:
        before = snapshot(store)
        path = folder / name
        path.write_bytes(data)
        try:
            report = import_path(store, path, name="fuzzed")
        except ImportProblem as problem:
            assert str(problem)
            assert snapshot(store) == before
            return
        # Accepted: every query the report counts has its outcomes, nothing dangling.
        dangling = store.rows("""SELECT count(*) FROM outcomes o
                                 LEFT JOIN queries q USING (query_id) WHERE q.query_id IS NULL""")
        assert dangling[0][0] == 0
        assert report.outcomes == store.rows("SELECT count(*) FROM outcomes")[0][0]
    finally:
        store.close()
