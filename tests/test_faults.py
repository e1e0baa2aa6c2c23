"""Faults: the server killed mid-collect and mid-vote, the model server dying, a locked file."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from app.routing.feedback import DEFAULT_BANDIT, replay
from app.store.db import open_store
from tests.serve import streamlit_process, streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAST = {"ROUTELAB_ENCODER": "hashing-ngrams-512"}


def _progress(page, total: int) -> int:
    found = re.search(rf"(\d+)/{total}", page.locator("[data-testid='stProgress']").first
                      .inner_text())
    return int(found[1]) if found else 0


def _start_collect(page, url: str, limit: int) -> None:
    page.goto(f"{url}/models")
    wait_for_app(page, timeout=120_000)
    page.get_by_label("Dataset name").fill("fault-run")
    page.get_by_label("Concurrent calls").fill("1")
    page.get_by_label("Only the first N prompts (0 = all)").fill(str(limit))
    page.keyboard.press("Tab")
    wait_for_app(page)
    page.get_by_role("button", name="Collect").click()


def test_sigkill_mid_collect_then_the_collect_resumes(browser, tmp_path, local_models):  # noqa: F811
    db, limit = tmp_path / "faults.duckdb", 8
    total = limit * 2  # two default local models
    page = browser.new_page(viewport={"width": 1300, "height": 1400})
    with streamlit_process(db, env=FAST) as (url, process):
        _start_collect(page, url, limit)
        deadline = time.monotonic() + 180
        while _progress(page, total) < 4 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        seen = _progress(page, total)
        process.send_signal(signal.SIGKILL)  # no shutdown, no flush: a crash
        process.wait()
    assert 4 <= seen < total
    store = open_store(db)
    kept = store.rows("SELECT count(*), count(DISTINCT (query_id, model)) FROM outcomes o "
                      "JOIN queries USING (query_id) JOIN datasets d USING (dataset_id) "
                      "WHERE d.name = 'fault-run'")[0]
    store.close()
    assert kept[0] == kept[1] and kept[0] >= seen  # everything the UI showed was committed
    with streamlit_server(db, env=FAST) as url:
        _start_collect(page, url, limit)
        page.get_by_text("new answers").wait_for(timeout=240_000)
        message = page.get_by_text("new answers").inner_text()
    assert f"{total - kept[0]} new answers, {kept[0]} already there" in message
    store = open_store(db)
    assert store.rows("SELECT count(*), count(DISTINCT (query_id, model)) FROM outcomes o "
                      "JOIN queries USING (query_id) JOIN datasets d USING (dataset_id) "
                      "WHERE d.name = 'fault-run'")[0] == (total, total)
    store.close()


def test_sigkill_mid_vote_burst_loses_and_duplicates_nothing(browser, tmp_path):  # noqa: F811
    db = tmp_path / "votes.duckdb"
    page = browser.new_page(viewport={"width": 1300, "height": 1400})
    with streamlit_process(db, env=FAST) as (url, process):
        page.goto(f"{url}/label")
        wait_for_app(page, timeout=120_000)
        page.get_by_text("pick the better of two").click()
        wait_for_app(page)
        confirmed = 0
        for _ in range(5):
            page.get_by_role("button", name="This one is better").first.click()
            confirmed += 1
            page.get_by_text(f"{confirmed} labelled").wait_for(timeout=60_000)
            wait_for_app(page)
        page.get_by_role("button", name="This one is better").first.click()  # in flight
        process.send_signal(signal.SIGKILL)
        process.wait()
    store = open_store(db)
    rows, keys = store.rows("SELECT count(*), count(DISTINCT vote_key) FROM feedback")[0]
    assert rows == keys and rows in (2 * confirmed, 2 * confirmed + 2)  # a pair, or nothing
    before = replay(store, DEFAULT_BANDIT, FAST["ROUTELAB_ENCODER"])
    store.close()
    with streamlit_server(db, env=FAST) as url:  # restart: the same state comes back
        page.goto(f"{url}/learning")
        page.get_by_text("Votes learned from").wait_for(timeout=120_000)
        wait_for_app(page)
        assert page.locator("[data-testid='stMetricValue']").first.inner_text() == str(rows)
    assert sum(before.n_.values()) == rows


def test_model_server_dies_mid_stream_and_comes_back(browser, tmp_path, monkeypatch):  # noqa: F811
    from app.models import local_server
    from tests.serve import free_port

    port = free_port()
    pool = tmp_path / "models.toml"
    pool.write_text('[models.smollm2]\nlitellm_model = "openai/smollm2-135m"\nkind = "chat"\n'
                    'api_base = "local"\nmax_tokens = 400\nusd_per_1k_in = 0.0001\n'
                    'usd_per_1k_out = 0.0002\n\n[models.smollm2-b]\nlitellm_model = '
                    '"openai/smollm2-135m"\nkind = "chat"\napi_base = "local"\nmax_tokens = 8\n')
    env = {**FAST, "ROUTELAB_LLAMA_PORT": str(port), "ROUTELAB_MODELS": str(pool)}
    monkeypatch.setenv("ROUTELAB_LLAMA_PORT", str(port))
    server = local_server.start(port)
    page = browser.new_page(viewport={"width": 1300, "height": 1400})
    try:
        with streamlit_server(tmp_path / "dies.duckdb", env=env) as url:
            page.goto(f"{url}/playground")
            wait_for_app(page, timeout=120_000)
            # default routers: the bandit and kNN (trained on the demo); both can only
            # pick smollm2 from this pool, so one long answer streams into both columns
            page.get_by_label("Prompt").fill("Write a long story about a dragon and a city.")
            page.get_by_role("button", name="Send").click()
            page.wait_for_function("() => [...document.querySelectorAll("
                                   "'[data-testid=\"stCode\"]')].some(e => "
                                   "e.innerText.length > 40)", timeout=120_000)
            server.send_signal(signal.SIGKILL)  # the model server dies mid-answer
            server.wait()
            page.locator("[data-testid='stAlert']").first.wait_for(timeout=180_000)
            assert page.locator("[data-testid='stException']").count() == 0
            page.goto(f"{url}/models")  # the app still works
            page.get_by_text("not running").first.wait_for(timeout=60_000)
            server = local_server.start(port)  # it comes back: no app restart needed
            page.goto(f"{url}/playground")
            wait_for_app(page)
            page.get_by_label("Prompt").fill("Say hello.")
            page.get_by_role("button", name="Send").click()
            page.locator("[data-testid='stFeedback']").first.wait_for(timeout=180_000)
            assert page.locator("[data-testid='stException']").count() == 0
    finally:
        local_server.stop(server)


def test_locked_database_shows_a_message_not_a_traceback(browser, tmp_path):  # noqa: F811
    db = tmp_path / "held.duckdb"
    open_store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "time.sleep(120)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with streamlit_server(db, env=FAST) as url:
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("The database is locked").wait_for(timeout=60_000)
            text = page.locator("[data-testid='stAlert']").first.inner_text()
            assert f"process {holder.pid}" in text and "ROUTELAB_DB" in text
            assert page.locator("[data-testid='stException']").count() == 0
    finally:
        holder.kill()
        holder.wait()
