"""Estimated costs for logs without them: prices from the user, the pool or LiteLLM's cost
map, tokens from the log or LiteLLM's counter; every estimate marked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import litellm
import pytest

from app.data.importers import ImportProblem, import_path
from app.data.importers.pricing import known_price, parse_price
from tests.conftest import REPO, write


def _log(tmp_path, rows):
    return write(tmp_path / "log.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")


def _outcomes(store):
    return {(m, q): (c, e) for m, q, c, e in store.rows(
        "SELECT o.model, q.source_id, o.cost_usd, o.cost_estimated FROM outcomes o "
        "JOIN queries q USING (query_id)")}


def test_costs_from_the_cost_map_and_logged_tokens(store, tmp_path):
    path = _log(tmp_path, [
        {"id": "1", "prompt": "hi", "model": "gpt-4o-mini", "score": 1, "tokens_in": 1000,
         "tokens_out": 2000},
        {"id": "1", "prompt": "hi", "model": "dear", "score": 1, "cost": 0.5}])
    report = import_path(store, path)
    per_in = litellm.model_cost["gpt-4o-mini"]["input_cost_per_token"]
    per_out = litellm.model_cost["gpt-4o-mini"]["output_cost_per_token"]
    found = _outcomes(store)
    assert found[("gpt-4o-mini", "1")] == (pytest.approx(1000 * per_in + 2000 * per_out), True)
    assert found[("dear", "1")] == (0.5, False)  # a logged cost is never replaced
    assert any("Estimated the cost of 1 outcomes" in n for n in report.notes)


def test_counted_tokens_and_given_prices(store, tmp_path):
    response = "The answer is forty-two, because six times seven is forty-two."
    path = _log(tmp_path, [
        {"id": "1", "prompt": "What is six times seven?", "model": "my-model", "score": 1,
         "response": response},
        {"id": "1", "prompt": "What is six times seven?", "model": "mystery", "score": 0,
         "response": "no idea"}])
    model, price = parse_price("my-model=2/8")
    report = import_path(store, path, given_prices={model: price})
    tokens_in = litellm.token_counter(model="my-model", text="What is six times seven?")
    tokens_out = litellm.token_counter(model="my-model", text=response)
    found = _outcomes(store)
    assert found[("my-model", "1")] == (pytest.approx((2 * tokens_in + 8 * tokens_out) / 1e6),
                                        True)
    assert found[("mystery", "1")] == (None, False)
    assert any("no known price for mystery" in n and "--price" in n for n in report.notes)


def test_price_lookup_rules():
    assert known_price("gpt-4o-mini").source.startswith("LiteLLM cost map")
    assert known_price("smollm2").source == "the model pool's declared price"
    # providers disagree on this name's price: no guess
    assert known_price("mistral-large-latest") is None
    assert known_price("surely-not-a-model-xyz") is None
    given = {"gpt-4o-mini": parse_price("gpt-4o-mini=1/1")[1]}
    assert known_price("gpt-4o-mini", given).source == "your price"
    for bad in ("gpt-4o", "x=1", "x=-1/2", "x=a/b"):
        with pytest.raises(ImportProblem, match="MODEL=IN/OUT"):
            parse_price(bad)


@pytest.mark.slow
def test_cli_price_turns_a_quality_only_log_into_a_priced_one(store, tmp_path):
    rows = []
    for i in range(40):
        for model, right in (("cheap", i % 3 == 0), ("dear", i % 4 != 0)):
            rows.append({"id": str(i), "prompt": f"question {i} about topic {i % 2}",
                         "model": model, "score": int(right), "response": "an answer " * (
                             1 + (model == "dear"))})
    path = _log(tmp_path, rows)
    store.close()
    env = {**os.environ, "ROUTELAB_DB": str(store.path),
           "ROUTELAB_ENCODER": "hashing-ngrams-512"}

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout
    cli("import", str(path), "--name", "plain")
    assert json.loads(cli("evaluate", "plain", "--router", "knn", "--boot", "0", "--json"))[
        "cost_axis"]["kind"] == "share"
    cli("import", str(path), "--name", "priced", "--price", "cheap=0.1/0.2",
        "--price", "dear=5/15")
    report = json.loads(cli("evaluate", "priced", "--router", "knn", "--boot", "0", "--json"))
    assert report["cost_axis"]["kind"] == "usd"
    assert report["curves"]["dear"]["headline"][0] > report["curves"]["cheap"]["headline"][0]
    assert report["curves"]["knn"]["deployable"] is True
    assert report["curves"]["oracle"]["deployable"] is False


def test_token_counts_never_download_a_tokenizer(caplog):
    """LiteLLM tries to fetch Llama tokenizers from the Hugging Face hub (and warns when it
    cannot); routelab counts such names with the bundled tiktoken encoding instead."""
    from app.models.llm import token_count

    text = "How many legs does a spider have?"
    with caplog.at_level("WARNING"):
        assert token_count("llama-3-8b", text) == litellm.token_counter(model="", text=text)
        assert token_count("meta-llama/Llama-2-70b-chat-hf", text) > 0
    assert not [r for r in caplog.records if "tokenizer" in r.getMessage().lower()
                or "hub" in r.getMessage().lower()]
    with caplog.at_level("WARNING"):  # what the guard avoids: LiteLLM's own lookup warns
        litellm.token_counter(model="llama-3-8b", text=text)
    assert any("hub" in r.getMessage().lower() for r in caplog.records)
