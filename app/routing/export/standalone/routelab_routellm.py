"""routelab's router as a RouteLLM router, named as `router.json` beside this file says
("routellm" → "router"; the model string is router-NAME-0.5, see model.txt).

RouteLLM sends a prompt to the strong model when calculate_strong_win_rate(prompt) >= the
threshold of the model string. Here that win rate is routelab's score lead of the strong
model over the weak one (routelab_router.py beside this file scores it from router.json /
router.npz with numpy and the encoder's library, never routelab), mapped monotonically into
(0, 1) by sigmoid((lead - t) / s): t is routelab's calibrated lead threshold and s the
spread of training leads (router.json, "routellm"). At threshold 0.5 it routes exactly as
routelab: strong when lead > t.
"""

import json
from pathlib import Path

import numpy as np
from routelab_router import ExportedRouter

try:  # RouteLLM is needed to serve, not to score: scoring is testable without it
    from routellm.routers import routers as _routellm
    _Base = _routellm.Router
except ImportError:
    _routellm, _Base = None, object

HERE = Path(__file__).resolve().parent
NAME = json.loads((HERE / "router.json").read_text(encoding="utf-8"))["routellm"]["router"]
BELOW_HALF = float(np.nextafter(0.5, 0.0))


def win_rate(lead, lead_threshold: float, scale: float) -> np.ndarray:
    lead = np.asarray(lead, dtype=float)
    rate = 0.5 * (1.0 + np.tanh(0.5 * (lead - lead_threshold) / scale))
    # rounding could put a lead just past t at 0.5 or below it: pin the side of the cut
    rate = np.where(lead > lead_threshold, np.maximum(rate, 0.5),
                    np.minimum(rate, BELOW_HALF))
    return np.clip(rate, 1e-12, 1.0 - 1e-12)


class RoutelabRouter(_Base):
    NO_PARALLEL = True  # one encoder per process: RouteLLM must not fan prompts out

    def __init__(self, artifact_dir="."):
        directory = Path(artifact_dir)
        self.router = ExportedRouter(directory if directory.is_absolute()
                                     else HERE / directory)
        spec = self.router.meta["routellm"]
        self.strong = self.router.models.index(spec["strong"])
        self.weak = self.router.models.index(spec["weak"])
        self.lead_threshold, self.scale = spec["lead_threshold"], spec["lead_scale"]

    def win_rates(self, X) -> np.ndarray:
        """Win rates for query embeddings X (rows of routelab's encoder)."""
        scores = self.router.scores(X)
        lead = scores[:, self.strong] - scores[:, self.weak]
        return win_rate(lead, self.lead_threshold, self.scale)

    def calculate_strong_win_rate(self, prompt) -> float:
        if isinstance(prompt, list):  # OpenAI content parts: the text ones
            prompt = " ".join(p.get("text", "") for p in prompt if isinstance(p, dict))
        return float(self.win_rates(self.router.encode([str(prompt)]))[0])


def register() -> None:
    """Make NAME a RouteLLM router: in place, since RouteLLM's controller and server hold
    these same dicts (call it before importing routellm.openai_server)."""
    if _routellm is None:
        raise ImportError('RouteLLM is not installed: pip install "routellm[serve]"')
    _routellm.ROUTER_CLS[NAME] = RoutelabRouter
    _routellm.NAME_TO_CLS[RoutelabRouter] = NAME
