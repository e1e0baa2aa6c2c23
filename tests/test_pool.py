"""The model pool file: loading, validation messages, and a faithful round trip."""

from __future__ import annotations

import pytest

from app.models.pool import PoolError, load_pool, make_spec, save_pool
from tests.conftest import REPO


def test_committed_pool_has_the_local_arms():
    pool = load_pool(REPO / "models.toml")
    assert {"smollm2", "smollm2-fewshot", "gemma3", "gemma3-vote3"} <= set(pool)
    assert pool["gemma3"].kind == "completion" and pool["gemma3-vote3"].samples == 3
    assert pool["smollm2"].is_local and pool["smollm2"].key_env() is None
    assert pool["gpt-4o-mini"].key_env() == "OPENAI_API_KEY"


def test_round_trip_keeps_entries_and_header(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text((REPO / "models.toml").read_text())
    pool = load_pool(path)
    save_pool(pool, path)
    assert load_pool(path) == pool
    assert path.read_text().startswith("# routelab's model pool")


@pytest.mark.parametrize("entry,message", [
    ({}, "needs litellm_model"),
    ({"litellm_model": "x/y", "kind": "speech"}, "kind must be one of"),
    ({"litellm_model": "x/y", "usd_per_1k_in": -1}, "usd_per_1k_in must be a number >= 0"),
    ({"litellm_model": "x/y", "samples": 0}, "samples must be"),
    ({"litellm_model": "x/y", "api_key": "sk-secret"}, "unknown settings"),
])
def test_bad_entries_are_named(entry, message):
    with pytest.raises(PoolError, match=message):
        make_spec("m", entry)


def test_bad_file_is_reported(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text("[models.a\nlitellm_model = 1")
    with pytest.raises(PoolError, match="not valid TOML"):
        load_pool(path)
