"""The short form of the load test (the long one runs with `make bench`)."""

from __future__ import annotations

import pytest

from tests.load import run_load, run_protocol_load, stored_votes
from tests.serve import chromium_available, streamlit_server

pytestmark = pytest.mark.slow


@pytest.mark.browser
def test_sessions_voting_and_browsing_at_once(tmp_path):
    reason = chromium_available()
    if reason:
        pytest.skip(reason)
    db = tmp_path / "load.duckdb"
    with streamlit_server(db, env={"ROUTELAB_ENCODER": "hashing-ngrams-512"}) as url:
        result = run_load(url, sessions=6, seconds=30)
    print(f"load: {result}")
    assert result["errors"] == []
    assert result["labels"] >= 6 and result["p95"] < 60
    rows, keys = stored_votes(db)
    assert rows == keys == 2 * result["labels"]  # every confirmed vote, exactly once


def test_protocol_sessions_vote_exactly_once(tmp_path):
    """The same sessions over Streamlit's websocket protocol (tests/protocol.py), the
    driver that measures the server apart from the browsers: every click confirmed by the
    page's own count is stored once, and nothing raises."""
    db = tmp_path / "load.duckdb"
    with streamlit_server(db, env={"ROUTELAB_ENCODER": "hashing-ngrams-512"}) as url:
        result = run_protocol_load(url, sessions=4, seconds=15, warm=True)
    print(f"protocol load: {result}")
    assert result["errors"] == []
    assert result["labels"] >= 8 and result["load_p95"] < 60
    rows, keys = stored_votes(db)
    assert rows == keys == 2 * result["labels"]
