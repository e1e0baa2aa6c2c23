"""Win regions on constructed maps where the right answer is known."""

from __future__ import annotations

import numpy as np

from app.embed import maps
from app.embed.maps import Objective, decide, density, oracle_pick, sample_rows, win_regions


def _two_clusters(seed: int = 0):
    """Left cluster: model 0 right, model 1 wrong. Right cluster: the reverse.
    Model 1 costs ten times model 0."""
    rng = np.random.default_rng(seed)
    left = rng.normal([-5.0, 0.0], 0.6, size=(60, 2))
    right = rng.normal([5.0, 0.0], 0.6, size=(60, 2))
    coords = np.vstack([left, right])
    scores = np.vstack([np.tile([1.0, 0.0], (60, 1)), np.tile([0.0, 1.0], (60, 1))])
    costs = np.tile([0.001, 0.01], (120, 1))
    return coords, scores, costs


def _winner_at(regions, x, y):
    col = np.abs(regions.xs - x).argmin()
    row = np.abs(regions.ys - y).argmin()
    return regions.winner[row, col], regions.confidence[row, col]


def test_two_clusters_give_two_regions_of_the_right_models():
    coords, scores, costs = _two_clusters()
    regions = win_regions(coords, scores, costs, Objective("best"), grid=60)
    left, left_conf = _winner_at(regions, -5, 0)
    right, right_conf = _winner_at(regions, 5, 0)
    assert (left, right) == (0, 1)
    assert left_conf > 0.9 and right_conf > 0.9
    assert set(np.unique(regions.winner)) == {-1, 0, 1}  # empty space between the clusters
    assert _winner_at(regions, 0, 0)[0] == -1


def test_a_tie_backs_each_tied_model_in_a_regions_confidence():
    """No costs; one cluster where model 1 wins every other query and the rest are ties:
    model 1's region is sure (a tie backs it too). It read 0.5, as if every tie had gone
    to model 0, the first by name."""
    rng = np.random.default_rng(3)
    coords = rng.normal([0.0, 0.0], 0.6, size=(60, 2))
    scores = np.tile([[1.0, 1.0], [0.0, 1.0]], (30, 1))
    costs = np.full((60, 2), np.nan)
    regions = win_regions(coords, scores, costs, Objective("best"), grid=30)
    winner, confidence = _winner_at(regions, 0, 0)
    assert winner == 1 and confidence > 0.99


def test_lambda_flips_the_expensive_region_to_the_cheaper_model():
    coords, scores, costs = _two_clusters()
    # In the right cluster the cheap model scores 0.7 on average, the dear one 1.0.
    scores[60:, 0] = np.where(np.arange(60) % 10 < 7, 1.0, 0.0)
    best = win_regions(coords, scores, costs, Objective("best"), grid=40)
    assert _winner_at(best, 5, 0)[0] == 1
    cheap = win_regions(coords, scores, costs, Objective("tradeoff", lam=0.5), grid=40)
    assert _winner_at(cheap, 5, 0)[0] == 0  # 0.7 - 0.05 beats 1.0 - 0.5
    assert _winner_at(cheap, -5, 0)[0] == 0


def test_good_enough_picks_the_cheapest_model_reaching_tau():
    scores = np.array([[0.6, 0.9, 1.0], [0.2, 0.5, 1.0]])
    costs = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert decide(scores, costs, Objective("good_enough", tau=0.8)).tolist() == [1, 2]
    assert decide(scores, costs, Objective("good_enough", tau=0.5)).tolist() == [0, 1]


def test_oracle_pick_is_the_cheapest_best_and_abstains_when_all_fail():
    scores = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [np.nan, 1.0]])
    costs = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0], [1.0, 3.0]])
    assert oracle_pick(scores, costs).tolist() == [1, 1, -1, 1]


def test_a_tie_no_cost_can_break_is_a_tie_not_the_first_model_by_name():
    """A log without costs (or a tied battle): two models right on a query is a tie. It
    went to the first model by name, so the Map painted one model over every shared win."""
    nan = np.nan
    scores = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.5, 0.5, nan], [1.0, 1.0, 1.0],
                       [0.0, 1.0, 1.0], [0.2, 0.7, 0.1]])
    costs = np.array([[nan, nan, nan], [1.0, 1.0, 2.0], [nan, nan, nan], [3.0, 2.0, 1.0],
                      [1.0, 2.0, nan], [nan, nan, nan]])
    assert oracle_pick(scores, costs).tolist() == [
        maps.TIE,  # unknown costs
        maps.TIE,  # equal costs
        maps.TIE,  # a battle's tie: half each, no costs
        2,         # the cheapest of the three right ones
        2,         # an unpriced model counts as free, as everywhere on the Map
        1]         # one best score: no tie to break
    assert oracle_pick(np.zeros((0, 2)), np.zeros((0, 2))).tolist() == []
    from app.present.map_figure import pick_names
    assert pick_names(["a", "b"], np.array([1, maps.TIE, -1])) == ["b", "tie", "no model right"]
    # a model called "tie" keeps its name; the label of a tie steps aside
    assert pick_names(["tie", "b"], np.array([0, maps.TIE])) == ["tie", "(tie)"]


def test_a_cell_where_the_models_tie_is_a_tied_region_not_the_first_models():
    """Both models right on every query, no costs: every cell is a tie, sure of it; a
    region painted in the first model's colour at 100% was the same mistake as the points'."""
    rng = np.random.default_rng(4)
    coords = rng.normal([0.0, 0.0], 0.6, size=(40, 2))
    regions = win_regions(coords, np.ones((40, 2)), np.full((40, 2), np.nan),
                          Objective("best"), grid=20)
    drawn = regions.winner[regions.winner != -1]
    assert drawn.size and set(drawn.tolist()) == {maps.TIE}
    assert _winner_at(regions, 0, 0)[1] > 0.99
    from app.present.map_figure import map_figure
    figure = map_figure(coords, regions, ["a", "b"], ["tie"] * 40, None, "model", [""] * 40)
    heat = next(t for t in figure.data if t.type == "heatmap")
    assert heat.zmax == 3 and np.nanmin(heat.z) >= 2  # the tie band, after both models'
    assert "no one model (a tie)" in {str(t) for row in heat.text for t in row} <= {
        "", "no one model (a tie)"}


# ---- large logs: a seeded sample drawn over the density of every query -------------------

def test_density_counts_every_query_once():
    coords = np.random.default_rng(1).normal(size=(12_345, 2))
    coords[:2_000] = [4.0, -3.0]  # a crowd at one place
    grid = density(coords, bins=50)
    assert grid.counts.sum() == len(coords)
    assert grid.counts.shape == (50, 50) and len(grid.xs) == len(grid.ys) == 50
    y, x = np.unravel_index(grid.counts.argmax(), grid.counts.shape)  # counts are [y, x]
    assert abs(grid.xs[x] - 4.0) < 0.3 and abs(grid.ys[y] + 3.0) < 0.3


def test_sample_rows_are_seeded_distinct_and_all_of_a_small_log():
    assert sample_rows(10, 20).tolist() == list(range(10))
    first, again = sample_rows(1_000, 100, seed=3), sample_rows(1_000, 100, seed=3)
    assert first.tolist() == again.tolist() == sorted(set(first.tolist()))
    assert len(first) == 100 and first.max() < 1_000


def test_a_large_log_is_fitted_on_a_sample_and_the_rest_placed_beside_it(monkeypatch):
    """Every query gets a place; queries of the same cluster land near each other whether
    they were in the fitted sample or placed; a copy of a fitted query lands on it."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 4
    labels = np.repeat(np.arange(3), 200)
    X = centres[labels] + rng.normal(size=(600, 16))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    fitted = maps.sample_rows(600, 240, maps.MapParams().seed)
    rest = np.setdiff1d(np.arange(600), fitted)
    copy, original = rest[-1], fitted[labels[fitted] == labels[rest[-1]]][0]
    X[copy] = X[original]
    monkeypatch.setattr(maps, "FIT_SAMPLE", 240)
    monkeypatch.setattr(maps, "TRANSFORM_CHUNK", 150)
    seen = []
    _, coords = maps.fit_umap(X, maps.MapParams(), progress=lambda done, total: seen.append(done))
    assert coords.shape == (600, 2) and np.isfinite(coords).all()
    assert seen == [240, 390, 540, 600]
    centre = np.array([coords[fitted][labels[fitted] == c].mean(axis=0) for c in range(3)])
    nearest = np.argmin(((coords[rest][:, None, :] - centre[None]) ** 2).sum(-1), axis=1)
    assert (nearest == labels[rest]).mean() > 0.95
    assert np.abs(coords[copy] - coords[original]).max() < 1e-6


def test_points_are_svg_on_a_small_map_and_webgl_on_a_large_one(monkeypatch):
    """Either way every drawn point keeps its row in the log (the selection reports it)."""
    from app.present import map_figure

    coords, scores, costs = _two_clusters()
    regions = win_regions(coords, scores, costs, Objective("best"), grid=20)
    labels = ["a" if x < 0 else "b" for x in coords[:, 0]]
    rows = np.arange(1000, 1000 + len(coords))

    def drawn(figure):
        points = [t for t in figure.data if t.type in ("scatter", "scattergl")]
        return {t.type for t in points}, sorted(int(r) for t in points for r in t.customdata)

    small = map_figure.map_figure(coords, regions, ["a", "b"], labels, None, "model",
                                  [""] * len(coords), rows=rows)
    assert drawn(small) == ({"scatter"}, rows.tolist())
    monkeypatch.setattr(map_figure, "SVG_POINTS", len(coords) - 1)
    large = map_figure.map_figure(coords, regions, ["a", "b"], labels, None, "model",
                                  [""] * len(coords), rows=rows)
    assert drawn(large) == ({"scattergl"}, rows.tolist())


def _rgba_values(colour: str) -> np.ndarray:
    return np.array([float(v) for v in colour[colour.index("(") + 1:-1].split(",")])


def test_the_one_region_heatmap_colours_each_cell_as_its_winner_and_names_it():
    """All models' regions share one heatmap: each cell's value must fall in its winner's
    band of the colour scale (faint to strong with confidence), and its hover must name
    the winner; cells with no winner are not drawn."""
    from app.present.map_figure import NEUTRAL, TIED, _rgba, map_figure, model_colours

    xs = ys = np.arange(3.0)
    winner = np.array([[0, 1, 2], [2, -1, 0], [1, maps.TIE, 0]])
    confidence = np.array([[0.0, 1.0, 0.5], [0.2, 0.0, 1.0], [0.7, 0.3, 0.9]])
    models = ["a", "b<i>", "c"]
    figure = map_figure(np.zeros((1, 2)), maps.Regions(xs, ys, winner, confidence), models,
                        ["a"], None, "model", [""])
    heat = next(t for t in figure.data if t.type == "heatmap")
    stops = [(at, _rgba_values(colour)) for at, colour in heat.colorscale]

    def drawn(value):  # the colour Plotly interpolates for a cell's value
        at = (value - heat.zmin) / (heat.zmax - heat.zmin)
        for (low, low_colour), (high, high_colour) in zip(stops, stops[1:], strict=False):
            if low <= at <= high:
                return low_colour + (high_colour - low_colour) * (at - low) / (high - low)
        raise AssertionError(f"{value} is off the colour scale")

    colours = model_colours(models) | {maps.TIE: NEUTRAL[TIED]}  # a tie: its grey band
    names = {0: "a", 1: "b&lt;i&gt;", 2: "c", maps.TIE: "no one model (a tie)"}
    for row, col in np.ndindex(winner.shape):
        value, model = heat.z[row][col], winner[row, col]
        if model == -1:
            assert np.isnan(value)
            continue
        red_green_blue = _rgba_values(_rgba(colours[models[model] if model >= 0 else model],
                                            0))[:3]
        colour = drawn(value)
        assert np.allclose(colour[:3], red_green_blue, atol=1.0), (row, col)
        assert abs(colour[3] - (0.06 + 0.49 * confidence[row, col])) < 0.01, (row, col)
        assert heat.text[row][col] == names[model]
        assert heat.customdata[row][col] == round(100 * confidence[row, col])  # percent
    assert heat.z.dtype == np.float32 and heat.customdata.dtype == np.uint8  # a small figure
    assert heat.text[1][1] == ""  # no region: no name to send
