"""RouteLLM's OpenAI-compatible server, with routelab's router registered.

    python serve.py [any routellm.openai_server flag, e.g. --port 6060]

Defaults, from router.json beside this file ("routellm"): --routers (the router's name)
--config routellm.yaml --strong-model / --weak-model (the pair's LiteLLM model names).
Keep --workers 0: worker processes would not see the registration.
"""

import json
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import routelab_routellm  # noqa: E402

SPEC = json.loads((HERE / "router.json").read_text(encoding="utf-8"))["routellm"]
DEFAULTS = {"--routers": SPEC["router"], "--config": str(HERE / "routellm.yaml"),
            "--strong-model": SPEC["strong_model"], "--weak-model": SPEC["weak_model"]}

if __name__ == "__main__":
    routelab_routellm.register()  # before openai_server reads ROUTER_CLS for --routers
    given = sys.argv[1:]
    missing = [part for flag, value in DEFAULTS.items() if flag not in given
               for part in (flag, value)]
    sys.argv = [sys.argv[0], *missing, *given]
    runpy.run_module("routellm.openai_server", run_name="__main__", alter_sys=True)
