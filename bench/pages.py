"""Pages against Streamlit's own floor: warm full loads and typical interactions, timed in
a real browser, beside a one-widget Streamlit app measured in the same run.

Every tab opens in one browser profile, as a returning user's would: Streamlit serves its
hashed scripts as immutable, so after the first visit a new tab reads them from the cache
(a fresh profile downloads and compiles 2-7 MB of them each time; the Data page's and the
one-widget app's loads in a fresh profile are reported apart). Beside the one-widget floor
the same run measures Streamlit's own cost of the heavy elements routelab's pages draw:
the one-widget app with one small Plotly chart, with one small dataframe, with both, and
with a dataframe and a small Vega-Lite chart (Streamlit's native chart, which the Data,
Compare and Learning pages draw; their front-end code is loaded on first use; the button's
click redraws them). Each page and interaction is set beside the floor app with the same
heavy elements as well as beside the one-widget floor.

A page is "ready" once the script run is over (Streamlit's own script state) and the page
has not changed for QUIET_MS; its time is that of its last change, read from a
MutationObserver in the page, so the quiet wait itself is never counted. A load is a new
tab opening the page's address (the websocket, session and whole script run); an
interaction is timed from the action to the page's last change. Every routelab page is
visited once first (the first visit of the Map computes its projection, begun a moment
earlier by the Data page's first visit, which builds a small log's map ahead: that is the
cold figure, reported apart). With ROUTELAB_PROFILE set on the server, each page's last warm
run is profiled; the slowest functions go to bench/out/page_profiles.txt. The script and
server runs quoted are those profiled runs' wall times, which cProfile lengthens (the Map
panel's figure: 17 ms unprofiled, about 80 ms profiled): an upper bound.
"""

from __future__ import annotations

import io
import pstats
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from bench.report import OUT, ROOT, Figure

QUIET_MS = 1200
VIEWPORT = {"viewport": {"width": 1400, "height": 1000}}
REPEATS = 5
# an interaction takes 0.06-0.7 s and the machine's speed moves from second to second: its
# median is read over more tries than a page load's
INTERACTION_REPEATS = 11
PAGES = ("data", "map", "routers", "compare", "playground", "label", "learning", "models")


# the floors: one widget whose click reruns the script and changes the page; then the same
# with one of the heavy elements routelab draws
WIDGET = """if st.button("Say hello"):
    st.session_state.said = st.session_state.get("said", 0) + 1
st.write(f"Said hello {st.session_state.get('said', 0)} times")
"""
HELLO = 'import streamlit as st\n\nst.title("Hello")\n' + WIDGET
SAID = "st.session_state.get('said', 0)"
PLOTLY = f"st.plotly_chart(px.bar(x=['a', 'b'], y=[1, 2 + {SAID}]))\n"  # its click redraws it
FRAME = f"st.dataframe(pd.DataFrame({{'a': [1, 2], 'b': [3, {SAID}]}}))\n"
# Streamlit's native charts (the Data page's) are Vega-Lite
VEGA = (f"st.vega_lite_chart(pd.DataFrame({{'x': ['a', 'b'], 'y': [1, 2 + {SAID}]}}), "
        "{'mark': 'bar', 'encoding': {'x': {'field': 'x', 'type': 'nominal'}, "
        "'y': {'field': 'y', 'type': 'quantitative'}}})\n")
# routelab's shell: every page sits in it, so a page without charts is also set beside it
# (Streamlit's navigation, a material icon per page, the sidebar box)
SHELL_TOP = """import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
"""
SHELL_NAVIGATION = """

def elsewhere():
    st.write("Another page")


TITLES = ["Data", "Map", "Routers", "Compare", "Playground", "Label", "Learning", "Models"]
navigation = st.navigation([st.Page(shown if t == {at!r} else elsewhere, title=t,
                                    url_path=t.lower(), default=t == "Data",
                                    icon=":material/database:") for t in TITLES])
with st.sidebar:
    st.selectbox("Dataset", ["demo", "demo-probes"])
    st.caption("demo: the built-in demo log, 602 queries x 4 models.")
st.title(navigation.title)
navigation.run()
"""


def in_shell(code: str, at: str = "Data") -> str:
    """A floor app inside routelab's shell: `code` defines `shown()`, the page titled `at`
    (at /label for "Label"; Data is the root); the other pages show one line."""
    return SHELL_TOP + "\n\n" + code + SHELL_NAVIGATION.format(at=at)


SHELL = in_shell("def shown():\n" + textwrap.indent(WIDGET, "    "))
SHELL_FLOOR = ("the same inside routelab's shell (navigation of 8 pages with icons, a "
               "sidebar selectbox)")
FLOORS = {
    "one-widget Streamlit app": HELLO,
    "the same with one small Plotly chart": HELLO + "import plotly.express as px\n" + PLOTLY,
    "the same with one small dataframe": HELLO + "import pandas as pd\n" + FRAME,
    "the same with one small Plotly chart and one small dataframe": HELLO + (
        "import pandas as pd\nimport plotly.express as px\n") + PLOTLY + FRAME,
    "the same with one small dataframe and one small Vega-Lite chart": HELLO + (
        "import pandas as pd\n") + FRAME + VEGA,
    SHELL_FLOOR: SHELL,
}
HELLO_FLOOR = "one-widget Streamlit app"


def element_floor(heavy: str) -> str:
    """The floor app drawing the same heavy elements as a page ("Plotly and dataframe")."""
    return {"": HELLO_FLOOR, "Plotly": "the same with one small Plotly chart",
            "dataframe": "the same with one small dataframe",
            "Plotly and dataframe": "the same with one small Plotly chart and one small "
                                    "dataframe",
            "dataframe and Vega-Lite": "the same with one small dataframe and one small "
                                       "Vega-Lite chart"}[heavy]


def address(url: str, name: str) -> str:
    """A page's address: the Data page is the app's default, at the root (/data is not)."""
    return url if name == "data" else f"{url}/{name}"
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


# which of the heavy elements a page draws (their front-end code is the floor's second part)
HEAVY = """() => [['Plotly', 'stPlotlyChart'], ['dataframe', 'stDataFrame'],
                   ['Vega-Lite', 'stVegaLiteChart']]
    .filter(([_, id]) => document.querySelector(`[data-testid="${id}"]`))
    .map(([name, _]) => name).join(' and ')"""


def settled_at(page, since: float = 0.0, timeout: float = 180_000) -> float:
    """Seconds from `since` (the page's clock, ms) to its last change once it has settled."""
    page.wait_for_function(f"() => window.__last > {since}", timeout=timeout)
    page.wait_for_function(SETTLED, timeout=timeout, polling=100)
    return (page.evaluate("window.__last") - since) / 1000


def load(profile, url: str) -> tuple[float, object]:
    """(seconds to a settled page, the open page) for a new tab at `url` in `profile` (a
    BrowserContext: its tabs share one cache)."""
    page = profile.new_page()
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


def floor(profile, browser, script: Path, script_text: str,
          fresh: bool) -> dict[str, float]:
    """Median full load and button click of a small Streamlit app (written to `script`) in
    the shared `profile`; with `fresh`, also its median load in a fresh profile of
    `browser`."""
    from tests.serve import streamlit_server

    script.write_text(script_text, encoding="utf-8")
    with streamlit_server(script.with_suffix(".duckdb"), script=str(script)) as url:
        load(profile, url)[1].close()  # the first visit compiles the script, caches assets
        loads, clicks = [], []
        for _ in range(INTERACTION_REPEATS):  # its click is an interaction's baseline
            seconds, page = load(profile, url)
            loads.append(seconds)
            clicks.append(interact(page, say_hello))
            page.close()
        found = {"load": median_of(loads), "click": median_of(clicks)}
        if fresh:
            found["fresh"] = median_of([_fresh_load(browser, url) for _ in range(REPEATS)])
    return found


def _fresh_load(browser, url: str) -> float:
    """Seconds to a settled page in a new, empty profile (nothing cached)."""
    profile = browser.new_context(**VIEWPORT)
    seconds, _ = load(profile, url)
    profile.close()
    return seconds


# the fragment an interaction reruns alone (ui/profiling.py names its runs); the router
# picker reruns the whole Compare page (its median run, loads included)
FRAGMENTS = {"Map: λ slider": "map-panel", "Label: a vote": "label-panel"}


def routelab_pages(profile, browser, folder: Path) -> tuple[dict, dict, float, float]:
    """({page: (median warm load, its script run, what it draws)}, {interaction: (median,
    the median server run it causes)}, the Map's first visit, the Data page's median load in
    a fresh profile)."""
    from tests.serve import streamlit_server

    profiles = folder / "profiles"
    env = {"ROUTELAB_PROFILE": str(profiles), "HF_HUB_OFFLINE": "1",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with streamlit_server(folder / "pages.duckdb", env=env, timeout=300) as url:
        first_map = 0.0
        for name in PAGES:  # first visits: the demo log loads, the Map projects it
            seconds, page = load(profile, address(url, name))
            first_map = seconds if name == "map" else first_map
            page.close()
        loads = {name: [] for name in PAGES}
        drawn = {}
        for _ in range(REPEATS):
            for name in PAGES:
                seconds, page = load(profile, address(url, name))
                loads[name].append(seconds)
                drawn[name] = page.evaluate(HEAVY)
                page.close()
        actions = {"Map: λ slider": ("map", show_lambda, lambda_slider),
                   "Compare: router picker": ("compare", None, drop_router),
                   "Label: a vote": ("label", pairwise, vote)}
        clicks = {}
        for title, (name, prepare, action) in actions.items():
            times = []
            for _ in range(INTERACTION_REPEATS):
                _, page = load(profile, address(url, name))
                if prepare:
                    interact(page, prepare)
                times.append(interact(page, action))
                page.close()
            clicks[title] = median_of(times)
        data_fresh = median_of([_fresh_load(browser, url) for _ in range(REPEATS)])
    _write_profiles(profiles)
    server = _script_runs(profiles)
    runs = {title: server.get(FRAGMENTS.get(title, "compare"), float("nan"))
            for title in clicks}
    return ({n: (median_of(t), server.get(n, float("nan")), drawn[n]) for n, t in loads.items()},
            {title: (seconds, runs[title]) for title, seconds in clicks.items()}, first_map,
            data_fresh)


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
        profile = browser.new_context(**VIEWPORT)  # one returning user's browser
        started = time.perf_counter()
        floors = {name: floor(profile, browser, folder / f"floor{i}.py", text,
                              fresh=name == HELLO_FLOOR)
                  for i, (name, text) in enumerate(FLOORS.items())}
        loads, clicks, first_map, data_fresh = routelab_pages(profile, browser, folder)
        browser.close()
    print(f"pages measured in {time.perf_counter() - started:.0f} s; profiles in "
          f"bench/out/page_profiles.txt", flush=True)
    target = "<= 1.5x the floor (issue 18)"
    same = "<= 1.5x Streamlit's floor for the same elements"
    hello = floors[HELLO_FLOOR]
    figures = [Figure(f"{name}, warm full load (Streamlit's floor)", found["load"], "s",
                      hello["load"] if name != HELLO_FLOOR else None, HELLO_FLOOR,
                      higher_is_better=False) for name, found in floors.items()]
    # each page beside the one-widget floor (the target), then beside the floor
    # app drawing the same heavy elements (Plotly's front end alone is over 1 s of a load)
    for name, (seconds, server, heavy) in loads.items():
        title = (f"{name.capitalize()} page, warm full load (its script run, profiled: "
                 f"{server:.2f} s; draws {heavy or 'no chart or dataframe'})")
        figures.append(Figure(title, seconds, "s", hello["load"], HELLO_FLOOR, target,
                              higher_is_better=False))
        if heavy:
            figures.append(Figure(f"{name.capitalize()} page beside the floor with its "
                                  f"elements", seconds, "s",
                                  floors[element_floor(heavy)]["load"], element_floor(heavy),
                                  same, higher_is_better=False))
        else:
            figures.append(Figure(f"{name.capitalize()} page beside the floor with its shell",
                                  seconds, "s", floors[SHELL_FLOOR]["load"], SHELL_FLOOR,
                                  same, higher_is_better=False))
    # an interaction that redraws charts beside the floor app whose click redraws the same
    # kinds of element (the one-widget click, the target, is given in the name)
    redraws = {"Map: λ slider": "Plotly", "Compare: router picker": "dataframe and Vega-Lite",
               "Label: a vote": ""}
    for title, (seconds, server_run) in clicks.items():
        floor_name = element_floor(redraws[title])
        figures.append(Figure(
            f"{title} (its server run, profiled: {server_run:.3f} s; the one-widget app's "
            f"click: {hello['click']:.3f} s)", seconds, "s",
            floors[floor_name]["click"], f"its button's rerun in {floor_name}", same
            if redraws[title] else target, higher_is_better=False, digits=3))
    figures += [Figure("Data page, full load in a fresh browser profile (scripts downloaded "
                       "and compiled)", data_fresh, "s", hello["fresh"],
                       f"{HELLO_FLOOR}, fresh profile", higher_is_better=False)]
    figures.append(Figure("Map page, first visit right after the Data page's (projection "
                          "computed, begun by the Data page)", first_map, "s",
                          loads["map"][0], "warm", higher_is_better=False))
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
