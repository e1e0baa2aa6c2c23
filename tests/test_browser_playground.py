"""The Playground on the real local models: two columns stream, a thumb is saved and learned."""

from __future__ import annotations

import pytest

from app.routing.feedback import DEFAULT_BANDIT, replay
from app.store.db import open_store
from tests.serve import ARTIFACTS, streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAST = "hashing-ngrams-512"


def test_prompt_two_columns_vote_and_the_bandit_learns(browser, tmp_path, local_models):  # noqa: F811
    db = tmp_path / "playground.duckdb"
    with streamlit_server(db, env={"ROUTELAB_ENCODER": FAST}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(f"{url}/playground")
        wait_for_app(page, timeout=180_000)
        page.get_by_label("Prompt").fill("What is the capital of France? Answer with one word.")
        page.get_by_role("button", name="Send").click()
        page.locator("[data-testid='stCode']").nth(1).wait_for(timeout=120_000)  # two columns
        feedback = page.locator("[data-testid='stFeedback']")
        feedback.first.wait_for(timeout=180_000)
        wait_for_app(page)
        assert page.locator("[data-testid='stCode']").count() >= 2
        model = page.locator("[data-testid='stCaptionContainer']").filter(
            has_text="chose").first.inner_text().split("chose")[-1].strip()
        feedback.first.locator("button").first.click()  # thumbs up on the first column
        page.get_by_text("Vote saved").wait_for(timeout=30_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "playground_voted.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
    store = open_store(db)
    rows = store.rows("SELECT model, reward, router, source FROM feedback")
    assert rows == [(model, 1.0, "bandit", "playground")]
    calls = store.rows("SELECT count(*), count(error) FROM live_calls WHERE source = "
                       "'playground'")[0]
    assert calls[0] >= 1 and calls[1] == 0
    learned = replay(store, DEFAULT_BANDIT, FAST)
    assert learned.n_[model] == 1
    store.close()
