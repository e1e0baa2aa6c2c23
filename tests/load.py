"""Many sessions at once against one server: browsing and voting.

Each session opens the Label page and labels logged pairs (two votes per click, waited for
until the page confirms) as fast as the page lets it. Response times are measured from the
action to the page showing its result: each session's first page load apart from its votes
(on a warmed server, with `warm=True`, so the first visitor's one-off work is not in them).
Two drivers: `run_load` with Chromium tabs (async Playwright: what a user sees, drawing
included, but every tab shares the server's cores), and `run_protocol_load` with sessions
speaking Streamlit's websocket protocol (tests/protocol.py: the server's own response).
"""

from __future__ import annotations

import asyncio
import re
import time

import numpy as np

from app.ui.label_view import PAIR as PAIR_MODE
from tests.protocol import Session
from tests.serve import CHROMIUM, CHROMIUM_ARGS

LABEL_PAGE, BETTER = "label", "This one is better"


async def _labelled(page) -> int:
    found = re.search(r"(\d+) labelled", await page.locator(
        "[data-testid='stProgress']").first.inner_text())
    return int(found[1]) if found else 0


CLICK_WAIT_MS = 30_000  # how long a click waits for the page's count to move


async def _settled_count(page, hold_ms: int) -> int:
    """The page's count once every click sent has landed: read until the count holds for
    `hold_ms` with no run going. A click that waited out CLICK_WAIT_MS may still be queued
    behind other sessions' runs, and the page says nothing of it: Streamlit's front end
    shows a run only once the server starts it (its script state stays 'notRunning' while
    the click waits), so after such a click the hold must outlast that queue."""
    last = -1
    for _ in range(40):
        await page.wait_for_function(
            "() => (document.querySelector('[data-testid=\"stApp\"]') || {dataset: {}})"
            ".dataset.testScriptState === 'notRunning'", timeout=60_000)
        count = await _labelled(page)
        if count == last:
            return count
        last = count
        await page.wait_for_timeout(hold_ms)
    return last


async def _session(browser, url: str, seconds: float, times: list[float], votes: list[int],
                   errors: list[str], arrives_after: float = 0.0,
                   loads: list[float] | None = None) -> None:
    """Label pairs for `seconds` once the page is up (a cold server's first render, however
    slow, does not eat the voting time); the page's own count says how many it took."""
    await asyncio.sleep(arrives_after)
    page = await browser.new_page(viewport={"width": 1200, "height": 1000})
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/label", timeout=120_000)  # as patient as the first render
        await page.get_by_text(PAIR_MODE).click(timeout=120_000)  # as patient, too
        await page.get_by_role("button", name=BETTER).first.wait_for(
            timeout=120_000)
        (times if loads is None else loads).append(time.perf_counter() - started)
        until = time.perf_counter() + seconds
        hold_ms = 3000
        while time.perf_counter() < until:
            before = await _labelled(page)
            started = time.perf_counter()
            await page.get_by_role("button", name=BETTER).first.click()
            try:
                await page.wait_for_function(
                    "n => { const m = (document.querySelector('[data-testid=\"stProgress\"]')"
                    " || {}).innerText || ''; const k = m.match(/(\\d+) labelled/); "
                    "return k && Number(k[1]) > n; }", arg=before, timeout=CLICK_WAIT_MS)
                times.append(time.perf_counter() - started)
            except Exception:  # lost (the page was redrawing) or still queued: again
                hold_ms = CLICK_WAIT_MS
                continue
            if await page.locator("[data-testid='stException']").count():
                errors.append(await page.locator("[data-testid='stException']").first
                              .inner_text())
        votes.append(await _settled_count(page, hold_ms))
    except Exception as exc:  # a session that breaks is a failure of the load test
        errors.append(f"{type(exc).__name__}: {exc}")
        votes.append(0)
    finally:
        await page.close()


async def _run(url: str, sessions: int, seconds: float, warm: bool):
    from playwright.async_api import async_playwright

    times: list[float] = []
    loads: list[float] = []
    votes: list[int] = []
    errors: list[str] = []
    async with async_playwright() as play:
        browser = await play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if warm:  # one visitor first: the demo log loads, the page's caches fill
            await _session(browser, url, 0, [], [], errors)
        # Users arrive over the first seconds, not in one instant (which would measure only
        # 20 Chromium tabs starting at once on 2 cores); after that nobody pauses to think.
        await asyncio.gather(*(_session(browser, url, seconds, times, votes, errors, 0.5 * i,
                                        loads if warm else None)
                               for i in range(sessions)))
        await browser.close()
    return times, loads, votes, errors


def stored_labels_per_session(db) -> list[int]:
    """Each voting session's stored votes over two (a pair's label is two votes), sorted:
    beside `labels_per_session`, it shows which sessions' pages and log disagree."""
    from app.store.db import open_store

    store = open_store(db)
    try:
        return sorted(n // 2 for (n,) in store.rows(
            "SELECT count(*) FROM feedback GROUP BY session_id"))
    finally:
        store.close()


def stored_votes(db) -> tuple[int, int]:
    """(rows, distinct vote keys) in a server's feedback log: equal when nothing is stored
    twice, and twice the labels its pages confirmed when every vote landed."""
    from app.store.db import open_store

    store = open_store(db)
    try:
        return tuple(store.rows("SELECT count(*), count(DISTINCT vote_key) FROM feedback")[0])
    finally:
        store.close()


def run_load(url: str, sessions: int, seconds: float, warm: bool = False) -> dict:
    """Drive the server; return response-time percentiles, votes cast, and any errors.
    Warm: a first visitor before the others, and their first page loads reported apart
    (`load_p50`, `load_p95`) from their votes (`p50`, `p95`)."""
    return _summary(sessions, seconds, *asyncio.run(_run(url, sessions, seconds, warm)))


def _summary(sessions, seconds, times, loads, votes, errors) -> dict:
    p50, p95 = np.percentile(times, [50, 95]) if times else (float("nan"),) * 2
    load_p50, load_p95 = np.percentile(loads, [50, 95]) if loads else (float("nan"),) * 2
    return {"sessions": sessions, "seconds": seconds, "actions": len(times), "p50": p50,
            "p95": p95, "load_p50": load_p50, "load_p95": load_p95, "labels": sum(votes),
            "labels_per_session": sorted(votes), "errors": errors}


def run_protocol_load(url: str, sessions: int, seconds: float, warm: bool = False) -> dict:
    """`run_load`'s sessions and figures, each session a protocol client, not a browser."""
    return _summary(sessions, seconds, *asyncio.run(_run_protocol(url, sessions, seconds,
                                                                  warm)))


async def _run_protocol(url: str, sessions: int, seconds: float, warm: bool):
    times: list[float] = []
    loads: list[float] = []
    votes: list[int] = []
    errors: list[str] = []
    if warm:
        await _protocol_session(url, 0, [], [], errors)
    await asyncio.gather(*(_protocol_session(url, seconds, times, votes, errors, 0.5 * i,
                                             loads if warm else None)
                           for i in range(sessions)))
    return times, loads, votes, errors


def _labelled_now(session: Session) -> int:
    bars = session.page.find("progress")
    found = re.search(r"(\d+) labelled", bars[0].text) if bars else None
    return int(found[1]) if found else 0


async def _protocol_session(url: str, seconds: float, times: list[float], votes: list[int],
                            errors: list[str], arrives_after: float = 0.0,
                            loads: list[float] | None = None) -> None:
    """`_session` over the protocol: open Label, switch to pairs, press "better" until
    `seconds` are up; the page's own count says how many labels it took."""
    await asyncio.sleep(arrives_after)
    session = None
    try:
        started = time.perf_counter()
        session = await Session.open(url, LABEL_PAGE)
        await session.run()
        mode = next(g for g in session.page.find("button_group") if g.id.endswith("label_mode"))
        session.set(mode.id, string_array_value=[PAIR_MODE])
        await session.run()
        (times if loads is None else loads).append(time.perf_counter() - started)
        errors.extend(session.page.exceptions)
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            before = _labelled_now(session)
            better = session.page.find("button", BETTER)
            if not better:
                raise RuntimeError("the Label page shows no 'This one is better' button")
            took = await session.run(trigger=better[0].id, timeout=30)
            errors.extend(session.page.exceptions)
            if _labelled_now(session) <= before:  # no redraw race here: the click was lost
                errors.append(f"a click on 'better' left the count at {before}")
                continue
            times.append(took)
        votes.append(_labelled_now(session))
    except Exception as exc:  # a session that breaks is a failure of the load test
        errors.append(f"{type(exc).__name__}: {exc}")
        votes.append(0)
    finally:
        if session is not None:
            await session.close()
