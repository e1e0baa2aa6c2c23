"""`python -m bench [SUITE ...]`: run the benchmarks and write docs/benchmarks.md.

With no names it runs every suite; named suites (e.g. `python -m bench load collect`) are
the only ones re-measured. Each re-measured suite replaces its own section; the others keep
what the file already says, each with the time it was measured.
"""

from __future__ import annotations

import sys

from bench import (
    collect,
    embed_map,
    encoder_variants,
    evaluate,
    feedback,
    ingest,
    live_routers,
    load,
    local_models,
    pages,
    quality,
    ray_path,
    reruns,
    routers,
    scale,
    scale_views,
    token_router,
)
from bench.report import ROOT, read_sections, section_markdown, write_markdown

SUITES = {
    "ingest": ("Ingest (bench/ingest.py)", ingest.run),
    "collect": ("Collect (bench/collect.py)", collect.run),
    "embed_map": ("Embeddings and map (bench/embed_map.py)", embed_map.run),
    "routers": ("Routers (bench/routers.py)", routers.run),
    "quality": ("Routing quality on real logs (bench/quality.py)", quality.run),
    "evaluate": ("Cold evaluate (bench/evaluate.py)", evaluate.run),
    "encoder_variants": ("Faster encoders and their vectors (bench/encoder_variants.py)",
                         encoder_variants.run),
    "feedback": ("Feedback (bench/feedback.py)", feedback.run),
    "live_routers": ("Live routers on the demo prompts (bench/live_routers.py)",
                     live_routers.run),
    "token_router": ("Token router trained by rollouts (bench/token_router.py)",
                     token_router.run),
    "pages": ("Pages against Streamlit's floor (bench/pages.py)", pages.run),
    "load": ("Load (bench/load.py)", load.run),
    "reruns": ("Reruns and memory, post-run collection off and on (bench/reruns.py)",
               reruns.run),
    "ray_path": ("Embedding on Ray vs in-process (bench/ray_path.py)", ray_path.run),
    "scale": ("Ten million outcomes on one machine (bench/scale.py)", scale.run),
    "scale_views": ("A million queries on the Map and in Compare (bench/scale_views.py)",
                    scale_views.run),
    "local_models": ("Local models, portable vs native build (bench/local_models.py)",
                     local_models.run),
}
REPORT = ROOT / "docs" / "benchmarks.md"


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        sys.exit(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    # Every section starts as the report already has it and is replaced once re-measured,
    # so an interrupted run (or one naming a few suites) never drops a section.
    previous = read_sections(REPORT)
    sections = {title: previous.get(title) for title, _ in SUITES.values()}
    for name, (title, run) in SUITES.items():
        if names and name not in names:
            continue
        print(f"== {title}")
        figures = run()
        for figure in figures:
            print(figure.line(), flush=True)
        sections[title] = section_markdown(title, figures)
        write_markdown({t: text for t, text in sections.items() if text}, REPORT)
    print(f"wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
