"""The long form of the load test: 20 sessions voting for 2 minutes against one warmed
server (the short form runs in `make test`), driven twice: by clients speaking Streamlit's
websocket protocol (the server's own response: a user's browser runs on the user's
machine) and by Chromium tabs (what a user sees, drawing included, with every tab sharing
this machine's cores with the server). Votes and first page loads are reported apart; the
Chromium figures stand beside the same tabs on a floor app with the Label page's widgets
and nothing behind them (LABEL_FLOOR), measured in the same run."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.pages import in_shell
from bench.report import ROOT, Figure

SESSIONS, SECONDS = 20, 120
TARGET = "p95 <= 5 s, no errors, votes stored exactly once (issue 18)"

# Streamlit's floor for the same Chromium sessions: the Label page's widgets in routelab's
# shell (bench/pages.py: navigation of 8 pages, the sidebar box), the mode control, the
# answers-shown control and toggle, a fragment with the progress bar, the query and two
# answers in boxes, a "better" button under each, with nothing behind them: a click only
# counts in session state. Twenty tabs drawing on the server's 2 cores pay for their own
# pages; this says how much of a first load is that.
LABEL_FLOOR = in_shell('''THUMBS, PAIR = "thumbs on each answer", "pick the better of two"


def better():
    st.session_state.labelled = st.session_state.get("labelled", 0) + 1


@st.fragment
def panel(mode):
    n = st.session_state.get("labelled", 0)
    st.progress(n / 602, text=f"{n} labelled · {602 - n:,} to go in **demo**")
    st.markdown("**Query**")
    with st.container(border=True):
        st.text(f"Question {n}: which planet is closest to the sun?")
    for i, col in enumerate(st.columns(2)):
        with col:
            st.markdown(f"**Answer {'AB'[i]}**")
            with st.container(border=True):
                st.text(f"Answer {'AB'[i]} to question {n}: Mercury.")
            if mode == PAIR:
                st.button("This one is better", key=f"better_{n}_{i}", on_click=better)
            else:
                st.feedback("thumbs", key=f"thumb_{n}_{i}")


def shown():
    left, middle, right = st.columns([2, 1, 1])
    mode = left.segmented_control("How", [THUMBS, PAIR], default=THUMBS, key="label_mode",
                                  required=True)
    middle.segmented_control("Answers shown", [2, 3, 4], default=3, disabled=mode == PAIR,
                             required=True)
    right.toggle("Hide model names", value=True)
    panel(mode)
''', at="Label")
FLOOR_NAME = "Streamlit's floor: the Label page's widgets, nothing behind them, same tabs"


def run() -> list[Figure]:
    sys.path.insert(0, str(ROOT))
    from tests.load import run_load, run_protocol_load
    from tests.serve import chromium_available

    # a protocol client loads no HTML, scripts or styles: its "load" is the page's runs
    figures = _drive("protocol clients", run_protocol_load,
                     "Label page opened, set to pairs (its two script runs)")
    reason = chromium_available()
    if reason:
        print(f"skipped the browser sessions: {reason}")
    else:
        floor = _floor(run_load)
        figures += _drive("Chromium tabs on the server's 2 cores", run_load,
                          "Label page first load, set to pairs", floor)
    return figures


def _floor(load) -> dict:
    """The same Chromium sessions against LABEL_FLOOR, in a server of its own."""
    from tests.serve import streamlit_server

    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "label_floor.py"
        script.write_text(LABEL_FLOOR, encoding="utf-8")
        with streamlit_server(script.with_suffix(".duckdb"), script=str(script)) as url:
            result = load(url, SESSIONS, SECONDS, warm=True)
    print(f"floor: {result['actions']} actions, {result['labels']} labels, errors: "
          f"{len(result['errors'])}; first load p50 {result['load_p50']:.2f} s, p95 "
          f"{result['load_p95']:.2f} s; vote p50 {result['p50']:.2f} s, p95 "
          f"{result['p95']:.2f} s")
    return result


def _drive(driver: str, load, opening: str, floor: dict | None = None) -> list[Figure]:
    """`load`'s sessions against routelab; with `floor`, each response time beside the
    floor app's same figure."""
    from tests.load import stored_labels_per_session, stored_votes
    from tests.serve import streamlit_process

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "load.duckdb"
        env = {"ROUTELAB_ENCODER": "hashing-ngrams-512"}
        with streamlit_process(db, env=env) as (url, server):
            result = load(url, SESSIONS, SECONDS, warm=True)
            memory = resident_mib(server.pid)
        rows, keys = stored_votes(db)
        stored = stored_labels_per_session(db)
    exact = rows == keys == 2 * result["labels"]
    errors = len(result["errors"])
    print(f"{driver}: {result['actions']} actions, {result['labels']} labels, errors: "
          f"{errors}, votes stored exactly once: {exact} ({rows} rows, {keys} distinct vote "
          f"keys, {2 * result['labels']} votes the pages confirmed)")
    print(f"  the server's resident memory after the sessions: {memory:.0f} MiB")
    if not exact:  # which sessions disagree: the counts neither side has
        shown = [n for n in result["labels_per_session"] if n > 0]
        print(f"  labels per session, pages (sorted): {shown}")
        print(f"  labels per session, stored (sorted): {stored}")
    for error in result["errors"]:
        print(f"  error: {error[:500]}")
    def beside(key: str) -> dict:
        return {"baseline": floor[key], "baseline_name": FLOOR_NAME} if floor else {}

    return [Figure(f"{driver}: vote confirmed, p50 ({SESSIONS} sessions, {SECONDS} s, "
                   f"{errors} errors, votes stored exactly once: {exact})",
                   result["p50"], "s", higher_is_better=False, **beside("p50")),
            Figure(f"{driver}: vote confirmed, p95", result["p95"], "s", target=TARGET,
                   higher_is_better=False, **beside("p95")),
            Figure(f"{driver}: {opening} per session (warm server), p50",
                   result["load_p50"], "s", higher_is_better=False, **beside("load_p50")),
            Figure(f"{driver}: {opening} per session (warm server), p95",
                   result["load_p95"], "s", target=TARGET, higher_is_better=False,
                   **beside("load_p95")),
            Figure(f"{driver}: labels confirmed (two votes each)", result["labels"],
                   "labels"),
            # the server skips Streamlit's full collection after each run (.streamlit/
            # config.toml): this shows its memory does not build up for it
            Figure(f"{driver}: the server's resident memory after the sessions", memory,
                   "MiB", higher_is_better=False)]


def resident_mib(pid: int) -> float:
    """A process's resident memory now (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
