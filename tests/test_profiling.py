"""ROUTELAB_PROFILE: a page's run and a fragment's own runs are profiled apart, a fragment
inside its page's run is part of the page's profile, and nothing is written without it."""

from __future__ import annotations

import pstats

from app.ui import profiling


def _work(n: int = 20_000) -> int:
    return sum(i * i for i in range(n))


@profiling.profiled_fragment("panel")
def _panel() -> int:
    return _work()


def _functions(path) -> set[str]:
    return {name for (_, _, name) in pstats.Stats(str(path)).stats}


def test_nothing_is_written_without_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("ROUTELAB_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)
    with profiling.profiled("/map"):
        _panel()
    assert list(tmp_path.iterdir()) == []


def test_a_fragments_own_run_is_profiled_under_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTELAB_PROFILE", str(tmp_path))
    assert _panel() == _work()  # the fragment's result passes through
    assert "_work" in _functions(tmp_path / "panel.prof")
    assert [line.split("\t")[0] for line in (tmp_path / "runs.tsv").read_text().splitlines()] \
        == ["panel"]


def test_a_fragment_inside_its_pages_run_is_part_of_that_run(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTELAB_PROFILE", str(tmp_path))
    with profiling.profiled("/map"):
        _panel()
    assert not (tmp_path / "panel.prof").exists()  # one profiler a thread, not two
    assert "_work" in _functions(tmp_path / "map.prof")
    assert [line.split("\t")[0] for line in (tmp_path / "runs.tsv").read_text().splitlines()] \
        == ["map"]
    _panel()  # and the next run of the fragment alone is its own again
    assert (tmp_path / "panel.prof").exists()
