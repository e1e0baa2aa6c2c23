"""`python -m bench`: run every benchmark and write docs/benchmarks.md."""

from __future__ import annotations

from bench import collect, embed_map, feedback, ingest, live_routers, load, routers
from bench.report import ROOT, write_markdown

SUITES = {
    "Ingest (bench/ingest.py)": ingest.run,
    "Collect (bench/collect.py)": collect.run,
    "Embeddings and map (bench/embed_map.py)": embed_map.run,
    "Routers (bench/routers.py)": routers.run,
    "Feedback (bench/feedback.py)": feedback.run,
    "Live routers on the demo prompts (bench/live_routers.py)": live_routers.run,
    "Load (bench/load.py)": load.run,
}


def main() -> None:
    sections = {}
    for title, run in SUITES.items():
        print(f"== {title}")
        sections[title] = run()
        for figure in sections[title]:
            print(figure.line(), flush=True)
        # Written after every suite: an interrupted run still leaves the finished sections.
        write_markdown(sections, ROOT / "docs" / "benchmarks.md")
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
