"""Export to RouteLLM: a RouteLLM router whose win rate reproduces routelab's strong/weak
decision at the recorded threshold, a model string RouteLLM's controller parses, a
launcher that registers the router before RouteLLM's server reads its router names, and
clear refusals of what RouteLLM cannot run.

RouteLLM is not installed here (and must not be): the scoring module guards its import,
and the launcher is run against a stand-in package holding the parts of RouteLLM the export
relies on (its Router base class, the server's --routers choices, the controller's
model-string parsing). The log is generated and embedded with the fast hashing encoder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml

from app.routing.configs import RouterConfig, fit_router
from app.routing.export import routellm
from app.routing.export.base import ExportProblem, ExportSource
from app.routing.operating import OperatingPoint, calibrate
from tests.foreign_logs import routed_log

FAST = "hashing-ngrams-512"


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """(store, dataset for routing) of the generated log, shared by the module's tests."""
    with routed_log(tmp_path_factory.mktemp("routellm"), seed=11) as found:
        yield found


def exported(logged, directory, kind, params, name="r", share=0.4):
    """(source, README sections) of a router calibrated to a share of strong calls."""
    store, data = logged
    config = RouterConfig(name, kind, params, "log", FAST)
    point = calibrate(store, config, strong_share=share, data=data)
    source = ExportSource(config, fit_router(store, config, data), data, point)
    routellm.check(source)
    return source, routellm.write(source, directory)


def parse_like_routellm(model: str) -> tuple[str, float]:
    """RouteLLM's controller: `_, router, threshold = model.split("-", 2)`."""
    _, router, threshold = model.split("-", 2)
    assert model.startswith("router")
    return router, float(threshold)


@pytest.mark.parametrize(("kind", "params"), [("knn", {}), ("mf", {"tune": False})])
def test_the_recorded_threshold_routes_as_routelab(logged, tmp_path, kind, params):
    source, sections = exported(logged, tmp_path, kind, params)
    router_name, threshold = parse_like_routellm((tmp_path / "model.txt").read_text().strip())
    config = yaml.safe_load((tmp_path / "routellm.yaml").read_text())
    exported_router = routellm.load_module(tmp_path).RoutelabRouter(**config[router_name])
    queries = source.test_queries()
    strong, weak = source.point.pair
    # RouteLLM's Router.route, on the prompt's text: the module embeds it itself
    theirs = [strong if exported_router.calculate_strong_win_rate(text) >= threshold else weak
              for text in queries.text]
    # one prompt at a time (RouteLLM) decides as routelab's batch: the log repeats texts,
    # and equal vectors tied at the k-th neighbour once went either way (routers/neighbours.py)
    assert theirs == source.decisions(queries)
    assert {strong, weak} == set(theirs)  # both models are used, so the check means something
    assert f"{source.agreement(lambda q: theirs):.1%}" in sections[1]


def test_the_win_rate_is_monotone_and_pinned_at_the_cut(logged, tmp_path):
    exported(logged, tmp_path, "knn", {"k": 10, "weighted": False})
    module = routellm.load_module(tmp_path)
    cut, scale = 0.1, 0.05
    leads = np.linspace(-2, 2, 4001)
    rates = module.win_rate(leads, cut, scale)
    assert np.all(np.diff(rates) >= 0) and rates.min() > 0 and rates.max() < 1
    at, past = module.win_rate([cut, np.nextafter(cut, 1.0)], cut, scale)
    assert at < 0.5 <= past  # routelab's strict `lead > threshold` at RouteLLM's `>=` 0.5


def test_the_model_string_parses_as_routellms_controller_does(logged, tmp_path):
    source, sections = exported(logged, tmp_path, "knn", {"k": 10}, name="knn-v2.fast")
    model = (tmp_path / "model.txt").read_text().strip()
    router_name, threshold = parse_like_routellm(model)
    assert router_name == "routelab_knn_v2_fast" and 0 <= threshold <= 1
    assert list(yaml.safe_load((tmp_path / "routellm.yaml").read_text())) == [router_name]
    assert model in sections[0] and "python serve.py" in sections[0]
    assert "sw_ranking" in sections[1]  # the closest built-in RouteLLM router for kNN


@pytest.mark.parametrize(("point", "said"), [
    (OperatingPoint(), "routes at λ = 0"),
    (OperatingPoint(tradeoff=120.0, budget=0.2), "a budget ($0.2 per 1,000 queries")])
def test_a_point_without_a_pair_is_refused(logged, point, said):
    config = RouterConfig("lam", "knn", {}, "log", FAST)
    with pytest.raises(ExportProblem) as refused:
        routellm.check(ExportSource(config, None, logged[1], point))
    message = str(refused.value)
    assert said in message and "strong and one weak" in message
    assert "routelab routers calibrate lam --strong-share" in message


@pytest.mark.parametrize("kind", ["thompson", "cascade", "single", "random", "rules"])
def test_kinds_without_exact_scores_are_refused(logged, kind):
    config = RouterConfig("x", kind, {}, "log", FAST)
    point = OperatingPoint(pair=("a", "b"), threshold=0.0)
    with pytest.raises(ExportProblem, match=f"is a {kind} router.*knn, centroid"):
        routellm.check(ExportSource(config, None, logged[1], point))


STAND_IN = {
    "routellm/__init__.py": "",
    "routellm/routers/__init__.py": "",
    "routellm/routers/routers.py": '''
        import abc

        class Router(abc.ABC):
            NO_PARALLEL = False

            @abc.abstractmethod
            def calculate_strong_win_rate(self, prompt):
                pass

            def route(self, prompt, threshold, routed_pair):
                if self.calculate_strong_win_rate(prompt) >= threshold:
                    return routed_pair.strong
                return routed_pair.weak

            def __str__(self):
                return NAME_TO_CLS[self.__class__]

        class RandomRouter(Router):
            def calculate_strong_win_rate(self, prompt):
                return 0.5

        ROUTER_CLS = {"random": RandomRouter}
        NAME_TO_CLS = {v: k for k, v in ROUTER_CLS.items()}
        ''',
    "routellm/openai_server.py": '''
        import argparse, json, os, types, yaml
        from routellm.routers.routers import ROUTER_CLS

        parser = argparse.ArgumentParser()
        parser.add_argument("--config", type=str, default=None)
        parser.add_argument("--port", type=int, default=6060)
        parser.add_argument("--workers", type=int, default=0)
        parser.add_argument("--routers", nargs="+", type=str, default=["random"],
                            choices=list(ROUTER_CLS.keys()))
        parser.add_argument("--strong-model", type=str)
        parser.add_argument("--weak-model", type=str)
        args = parser.parse_args()
        config = yaml.safe_load(open(args.config)) if args.config else {}
        routers = {r: ROUTER_CLS[r](**config.get(r, {})) for r in args.routers}
        _, router, threshold = os.environ["TEST_MODEL"].split("-", 2)
        pair = types.SimpleNamespace(strong=args.strong_model, weak=args.weak_model)
        prompts = json.loads(os.environ["TEST_PROMPTS"])
        print(json.dumps({"port": args.port, "name": str(routers[router]),
                          "routed": [routers[router].route(p, float(threshold), pair)
                                     for p in prompts]}))
        '''}


def test_the_launcher_registers_the_router_before_the_server_reads_it(logged, tmp_path):
    directory, stand_in = tmp_path / "export", tmp_path / "stand_in"
    directory.mkdir()
    source, _ = exported(logged, directory, "knn", {}, name="knn-served")
    module = routellm.load_module(directory)
    with pytest.raises(ImportError, match="pip install"):
        module.register()  # RouteLLM itself is not installed here
    for path, text in STAND_IN.items():
        (stand_in / path).parent.mkdir(parents=True, exist_ok=True)
        (stand_in / path).write_text(textwrap.dedent(text), encoding="utf-8")
    queries = source.test_queries().subset(np.arange(20))
    model = (directory / "model.txt").read_text().strip()
    env = {**os.environ, "PYTHONPATH": str(stand_in), "HF_HUB_OFFLINE": "1",
           "TEST_MODEL": model, "TEST_PROMPTS": json.dumps(list(queries.text))}
    done = subprocess.run([sys.executable, str(directory / "serve.py"), "--port", "7001"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    assert reply["port"] == 7001 and reply["name"] == "routelab_knn_served"
    assert reply["routed"] == source.decisions(queries)  # names: not in models.toml
