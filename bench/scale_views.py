"""A million queries on the Map and in Compare (issue 18), end to end on one machine.

On bench/scale.py's generated RouterBench-shaped log (1M prompts x 10 models), imported
into a fresh database, each step in a fresh process with its peak resident memory:
1. `routelab embed scale --no-map` with the hashing encoder (MiniLM would take hours on 2
   cores here): every query embedded; then `routelab embed scale`, which finds them cached
   and builds the map the way the Map page's first visit builds it (UMAP fitted on a seeded
   sample of 20k, every other query placed beside its nearest fitted ones);
2. the Map page itself, on a `streamlit run` server, asked for over Streamlit's websocket
   protocol (tests/protocol.py, no browser): its first run in the server process (the
   projection, the density and the win regions read or computed once), then warm runs;
3. `routelab evaluate scale` (the Compare page's `compare`, default line-up) on its seeded
   sample of SAMPLE_LIMIT (30k) queries, with those queries' vectors already cached by
   step 1.

`python -m bench.scale_views [--prompts N] [--keep]`; files go to /tmp/scale.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from pathlib import Path

from app.routing.configs import SAMPLE_LIMIT
from bench.report import ROOT, Figure
from bench.scale import MODELS, PROMPTS, _child, command, generate, in_work_folder

ENCODER = "hashing-ngrams-512"
WARM_RUNS = 3

STEP = """
import json, os, sys, time
sys.path.insert(0, {root!r})
os.environ["ROUTELAB_DB"] = {db!r}
os.environ["ROUTELAB_ENCODER"] = {encoder!r}
from app.cli import main
started = time.perf_counter()
with open(os.devnull, "w") as quiet:
    stdout, sys.stdout = sys.stdout, quiet
    code = main({argv!r})
    sys.stdout = stdout
# on a line of its own: the progress bar on stderr (the same pipe) ends without a newline
print("\\n" + json.dumps({{"seconds": time.perf_counter() - started, "code": code}}))
"""


def run(prompts: int = PROMPTS, keep: bool = False) -> list[Figure]:
    return in_work_folder(_measure, prompts, keep, "views-")


def _step(db: Path, *argv: str) -> tuple[float, float]:
    """(seconds, peak GiB) of one `routelab` command in a fresh process."""
    done, peak = _child(STEP.format(root=str(ROOT), db=str(db), encoder=ENCODER,
                                    argv=list(argv)))
    if done["code"] != 0:
        raise RuntimeError(f"routelab {' '.join(argv)} exited with {done['code']}")
    return done["seconds"], peak


def _measure(folder: Path, prompts: int) -> list[Figure]:
    db = folder / "views.duckdb"
    print(f"generating and importing {prompts:,} prompts x {len(MODELS)} models ...",
          flush=True)
    files = generate(folder / "log", prompts)
    _step(db, "import", str(files[0].parent), "--name", "scale")

    print(f"embedding every query with {ENCODER} ...", flush=True)
    embed_seconds, embed_peak = _step(db, "embed", "scale", "--encoder", ENCODER, "--no-map")
    print(f"embedding: {embed_seconds:.1f} s, peak {embed_peak:.2f} GiB", flush=True)
    print("building the map (vectors cached) ...", flush=True)
    map_seconds, map_peak = _step(db, "embed", "scale", "--encoder", ENCODER)
    print(f"first map: {map_seconds:.1f} s, peak {map_peak:.2f} GiB", flush=True)

    print("the Map page over the protocol: first run in the server, then warm ...",
          flush=True)
    first, warm = _map_page(db)
    print(f"Map page: first run {first:.2f} s, warm {statistics.median(warm):.2f} s "
          f"(runs: {', '.join(f'{w:.2f}' for w in warm)})", flush=True)

    print(f"routelab evaluate on its seeded {SAMPLE_LIMIT:,}-query sample (vectors cached) ...",
          flush=True)
    compare_seconds, compare_peak = _step(db, "evaluate", "scale", "--json")
    print(f"evaluate: {compare_seconds:.1f} s, peak {compare_peak:.2f} GiB", flush=True)

    scale = f"{prompts:,} queries"
    return [
        Figure(f"Map page, warm ({scale}: density of all, 20k points drawn, server run "
               "over the protocol)", statistics.median(warm), "s", target="< 2 s (issue 18)",
               higher_is_better=False, digits=2),
        Figure("Map page, its first run in a fresh server (projection read, density and "
               "regions computed)", first, "s", higher_is_better=False, digits=1),
        Figure(f"embedding {scale} with {ENCODER}", embed_seconds, "s",
               higher_is_better=False, digits=1),
        Figure("peak memory of that embedding", embed_peak, "GiB", target="< 8 GiB (issue 18)",
               higher_is_better=False),
        Figure(f"first map of {scale} (vectors cached; UMAP fitted on 20k, the rest placed "
               "beside their nearest fitted queries)", map_seconds, "s",
               higher_is_better=False, digits=1),
        Figure("peak memory of the first map", map_peak, "GiB", target="< 8 GiB (issue 18)",
               higher_is_better=False),
        Figure(f"routelab evaluate (Compare) of {scale} on its seeded {SAMPLE_LIMIT:,}-query "
               "sample, vectors "
               "cached", compare_seconds, "s", target="< 60 s (issue 18)",
               higher_is_better=False, digits=1),
        Figure("peak memory of that evaluate", compare_peak, "GiB", target="< 8 GiB (issue 18)",
               higher_is_better=False),
    ]


def _map_page(db: Path) -> tuple[float, list[float]]:
    sys.path.insert(0, str(ROOT))
    from tests.protocol import Session
    from tests.serve import streamlit_server

    async def visit(url: str) -> tuple[float, list[float]]:
        session = await Session.open(url, "map", query_string="dataset=scale")
        try:
            first = await session.run(timeout=1800)
            warm = [await session.run(timeout=600) for _ in range(WARM_RUNS)]
            if session.page.exceptions:
                raise RuntimeError(f"the Map page raised: {session.page.exceptions[0]}")
            if not session.page.find("plotly_chart"):
                raise RuntimeError("the Map page drew no chart")
            return first, warm
        finally:
            await session.close()

    with streamlit_server(db, env={"ROUTELAB_ENCODER": ENCODER}, timeout=300) as url:
        return asyncio.run(visit(url))


def main(argv: list[str] | None = None) -> None:
    command(run, __doc__, argv)


if __name__ == "__main__":
    main()
