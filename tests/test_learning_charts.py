"""The Learning page's Vega-Lite charts: what they plot, in which order, on which axes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.present.learning_charts import posterior, rewards, what_if


def test_posterior_bars_run_best_first_with_one_std_either_side():
    post = pd.DataFrame({"model": ["b", "a", "c"], "mean": [0.2, 0.7, 0.5],
                         "std": [0.1, 0.05, 0.2]})
    bars, spec = posterior(post)
    assert bars["model"].tolist() == ["a", "c", "b"]
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["a", "c", "b"]
    assert np.allclose(bars["low"], [0.65, 0.3, 0.1]) and np.allclose(bars["high"],
                                                                       [0.75, 0.7, 0.3])
    assert spec["layer"][1]["encoding"]["y2"] == {"field": "high"}


def test_rewards_add_regret_on_its_own_axis_only_where_the_oracle_is_known():
    log = pd.DataFrame({"step": [1, 2, 3, 4], "reward": [1.0, 0.0, 1.0, 1.0],
                        "oracle": [1.0, 1.0, np.nan, 1.0]})
    steps, spec = rewards(log, window=2)
    assert steps["reward"].tolist() == [1.0, 0.5, 0.5, 1.0]  # rolling means of 2
    assert steps["regret"].tolist()[:2] == [0.0, 1.0] and np.isnan(steps["regret"][2])
    assert steps["regret"][3] == 1.0  # regret adds up over the votes the oracle knows
    assert spec["resolve"] == {"scale": {"y": "independent"}}

    steps, spec = rewards(log.assign(oracle=np.nan), window=2)
    assert "regret" not in steps and "resolve" not in spec and len(spec["layer"]) == 1


def test_what_if_draws_the_curve_beside_the_best_single_model_and_the_oracle():
    points, spec = what_if(pd.Series([np.nan, 0.4, 0.6]), "bandit", 0.5, 0.9)
    assert points["vote"].tolist() == [0, 1, 2] and points["reward"].tolist()[1:] == [0.4, 0.6]
    named = {layer["encoding"]["text"]["value"]: layer["encoding"]["y"]["datum"]
             for layer in spec["layer"] if "text" in layer["encoding"]}
    assert named == {"best single model": 0.5, "oracle": 0.9}
    # each reference line and its name drawn once, not once per row of the curve's data
    assert all(layer["data"] == {"values": [{}]} for layer in spec["layer"][1:])
