"""Pages against Streamlit's own floor: warm full loads and typical interactions, timed in
a real browser, beside a one-widget Streamlit app measured in the same run.

A page is "ready" once the script run is over (Streamlit's own script state) and the page
has not changed for QUIET_MS; its time is that of its last change, read from a
MutationObserver in the page, so the quiet wait itself is never counted. A load is a new
tab opening the page's address (the websocket, session and whole script run); an
interaction is timed from the action to the page's last change. Every routelab page is
visited once first (the first visit of the Map computes its projection: that is the cold
figure, reported apart). With ROUTELAB_PROFILE set on the server, each page's last warm
run is profiled; the slowest functions go to bench/out/page_profiles.txt.
"""

from __future__ import annotations

import io
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import OUT, ROOT, Figure

QUIET_MS = 1200
REPEATS = 5
PAGES = ("data", "map", "routers", "compare", "playground", "label", "learning", "models")


def address(url: str, name: str) -> str:
    """A page's address: the Data page is the app's default, at the root (/data is not)."""
    return url if name == "data" else f"{url}/{name}"
# the floor: one widget whose click reruns the script and changes the page
HELLO = """import streamlit as st

st.title("Hello")
if st.button("Say hello"):
    st.session_state.said = st.session_state.get("said", 0) + 1
st.write(f"Said hello {st.session_state.get('said', 0)} times")
"""
WATCH = """
window.__last = performance.now();
new MutationObserver(() => { window.__last = performance.now(); }).observe(document,
    {subtree: true, childList: true, attributes: true, characterData: true});
"""
# Streamlit marks its root with the script's state; "notRunning" once a run has ended
SETTLED = f"""() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]')
        && performance.now() - window.__last > {QUIET_MS}; }}"""


def settled_at(page, since: float = 0.0, timeout: float = 180_000) -> float:
    """Seconds from `since` (the page's clock, ms) to its last change once it has settled."""
    page.wait_for_function(f"() => window.__last > {since}", timeout=timeout)
    page.wait_for_function(SETTLED, timeout=timeout, polling=100)
    return (page.evaluate("window.__last") - since) / 1000


def load(browser, url: str) -> tuple[float, object]:
    """(seconds to a settled page, the open page) for a fresh tab at `url`."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(WATCH)
    page.goto(url)
    return settled_at(page), page


def interact(page, action) -> float:
    """Seconds from doing `action(page)` to the page settling again."""
    since = page.evaluate("performance.now()")
    action(page)
    return settled_at(page, since)


def median_of(times: list[float]) -> float:
    return statistics.median(times)


def pairwise(page) -> None:
    page.get_by_text("pick the better of two").click()


def vote(page) -> None:
    page.get_by_role("button", name="This one is better").first.click()


def lambda_slider(page) -> None:
    page.locator("[data-testid='stSlider'] input[type='range']").first.press("ArrowRight")


def drop_router(page) -> None:
    """Take the last router off the Compare picker (its × on the chip)."""
    picker = page.locator("[data-testid='stMultiSelect']").first
    picker.locator("button[aria-label^='Remove']:visible").last.click()


def show_lambda(page) -> None:
    page.get_by_text("score − λ·cost").first.click()


def say_hello(page) -> None:
    page.get_by_role("button", name="Say hello").click()


def hello_floor(browser, folder: Path) -> tuple[float, float]:
    """(median full load, median button click) of a one-widget Streamlit app."""
    from tests.serve import streamlit_server

    script = folder / "hello.py"
    script.write_text(HELLO, encoding="utf-8")
    with streamlit_server(folder / "hello.duckdb", script=str(script)) as url:
        load(browser, url)[1].close()  # the first visit compiles the script
        loads, clicks = [], []
        for _ in range(REPEATS):
            seconds, page = load(browser, url)
            loads.append(seconds)
            clicks.append(interact(page, say_hello))
            page.close()
    return median_of(loads), median_of(clicks)


def routelab_pages(browser, folder: Path) -> tuple[dict, dict, float]:
    """({page: median warm load}, {interaction: median}, the Map's first visit)."""
    from tests.serve import streamlit_server

    profiles = folder / "profiles"
    env = {"ROUTELAB_PROFILE": str(profiles), "HF_HUB_OFFLINE": "1",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with streamlit_server(folder / "pages.duckdb", env=env, timeout=300) as url:
        first_map = 0.0
        for name in PAGES:  # first visits: the demo log loads, the Map projects it
            seconds, page = load(browser, address(url, name))
            first_map = seconds if name == "map" else first_map
            page.close()
        loads = {name: [] for name in PAGES}
        for _ in range(REPEATS):
            for name in PAGES:
                seconds, page = load(browser, address(url, name))
                loads[name].append(seconds)
                page.close()
        actions = {"Map: λ slider": ("map", show_lambda, lambda_slider),
                   "Compare: router picker": ("compare", None, drop_router),
                   "Label: a vote": ("label", pairwise, vote)}
        clicks = {}
        for title, (name, prepare, action) in actions.items():
            times = []
            for _ in range(REPEATS):
                _, page = load(browser, address(url, name))
                if prepare:
                    interact(page, prepare)
                times.append(interact(page, action))
                page.close()
            clicks[title] = median_of(times)
    _write_profiles(profiles)
    server = _script_runs(profiles)
    return ({n: (median_of(t), server.get(n, float("nan"))) for n, t in loads.items()}, clicks,
            first_map)


def _script_runs(folder: Path) -> dict[str, float]:
    """Each page's median server-side script run, its first visit left out."""
    runs: dict[str, list[float]] = {}
    for line in (folder / "runs.tsv").read_text(encoding="utf-8").splitlines():
        name, seconds = line.split("\t")
        runs.setdefault(name, []).append(float(seconds))
    return {name: median_of(times[1:] or times) for name, times in runs.items()}


def _write_profiles(folder: Path) -> None:
    """Each page's last profiled run: its wall time and its slowest routelab functions."""
    out = io.StringIO()
    for prof in sorted(folder.glob("*.prof")):
        stats = pstats.Stats(str(prof), stream=out)
        out.write(f"\n=== {prof.stem}\n")
        stats.sort_stats("cumulative").print_stats(r"/(app|routers|pages)/", 12)
    OUT.mkdir(parents=True, exist_ok=True)
    text = out.getvalue().replace(str(ROOT) + "/", "")
    (OUT / "page_profiles.txt").write_text(text, encoding="utf-8")


def run() -> list[Figure]:
    from playwright.sync_api import sync_playwright

    from tests.serve import CHROMIUM, CHROMIUM_ARGS, chromium_available

    reason = chromium_available()
    if reason:
        print(f"skipped: {reason}")
        return []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as play:
        folder = Path(tmp)
        browser = play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        started = time.perf_counter()
        floor_load, floor_click = hello_floor(browser, folder)
        loads, clicks, first_map = routelab_pages(browser, folder)
        browser.close()
    print(f"pages measured in {time.perf_counter() - started:.0f} s; profiles in "
          f"bench/out/page_profiles.txt", flush=True)
    target = "<= 1.5x the floor (issue 18)"
    figures = [Figure(f"{name.capitalize()} page, warm full load (its script run: "
                      f"{server:.2f} s)", seconds, "s", floor_load, "one-widget Streamlit app",
                      target, higher_is_better=False)
               for name, (seconds, server) in loads.items()]
    figures += [Figure(title, seconds, "s", floor_click, "its button's rerun", target,
                       higher_is_better=False, digits=3) for title, seconds in clicks.items()]
    figures.append(Figure("Map page, first visit (projection computed)", first_map, "s",
                          loads["map"][0], "warm", higher_is_better=False))
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
