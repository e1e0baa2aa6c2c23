"""Every router kind routelab knows, with its family and what it can do.

The one place code asks "what sort of router is this?": pages, forms, the playground, the
feedback book and the evaluation engine read a kind's `Kind` entry instead of testing
classes or attributes. Three families:

- offline: learns from a log (`routers.Router`, `online = False`): kNN, centroid, MF, ...
- online: a bandit that also learns from thumbs, one vote at a time (`online = True`)
- live: calls models while it routes (`app.routing.live.LiveRouter`): cascades, self-consistency

A new kind is one module plus one entry: a line in `routers.ROUTERS` (offline, online) or
in `LIVE_KINDS` here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.routing.live.base import LiveRouter, OnStep
from app.routing.live.cascade import LiveCascade
from app.routing.live.consistency import SelfConsistencyRouter
from app.routing.live.llm_router import LLMAsRouter
from app.routing.live.refine import MultiCandidateRefine
from app.routing.live.token_router import TokenRouter
from routers import ROUTERS, Router
from routers.base import Param

OFFLINE, ONLINE, LIVE = "offline", "online", "live"
LIVE_KINDS: tuple[type[LiveRouter], ...] = (LiveCascade, SelfConsistencyRouter, LLMAsRouter,
                                            MultiCandidateRefine, TokenRouter)


@dataclass(frozen=True)
class Kind:
    """One router kind: its class, its family, and the capabilities the app asks about."""

    name: str
    cls: type
    family: str            # offline | online | live

    @classmethod
    def of(cls, router_class: type) -> Kind:
        if issubclass(router_class, LiveRouter):
            family = LIVE
        else:
            family = ONLINE if router_class.online else OFFLINE
        return cls(router_class.name, router_class, family)

    @property
    def title(self) -> str:
        return self.cls.title

    @property
    def online(self) -> bool:
        """Learns from thumbs: served live by the bandit book, replayed from the log."""
        return self.family == ONLINE

    @property
    def live(self) -> bool:
        """Calls models while it routes: tried in the Playground, not trained on a log."""
        return self.family == LIVE

    @property
    def trainable(self) -> bool:
        return self.family != LIVE

    @property
    def simulates(self) -> bool:
        """Evaluated offline by simulating its calls (cascades), not by a tradeoff sweep."""
        return getattr(self.cls, "simulates", False)

    @property
    def needs_responses(self) -> bool:
        """Learns from each model's logged answer text (a learned judge): logs without
        answers cannot train it."""
        return self.trainable and getattr(self.cls, "needs_responses", False)

    @property
    def onboards(self) -> bool:
        """A new model can join a trained router from a few representative prompts
        (UniRoute's cluster error vectors): `fit_onboarded`, `onboard`."""
        return self.trainable and getattr(self.cls, "onboards", False)

    @property
    def in_defaults(self) -> bool:
        """Part of `routelab evaluate`'s and the pages' default line-up."""
        return self.trainable and self.cls.in_defaults

    @property
    def has_learned_view(self) -> bool:
        """Shows what it learned on the Routers page (abilities, counts, clusters)."""
        return self.trainable and self.cls.learned is not Router.learned

    @property
    def model_params(self) -> tuple[str, ...]:
        """Parameters that name a model of the pool (the form offers a model picker)."""
        return tuple(self.cls.model_params)

    def live_form(self, name: str) -> tuple[str, dict] | None:
        """(live kind, its params) that runs the saved router `name` live, for offline kinds
        that decide with live calls (a learned-judge cascade); None for the others."""
        form = getattr(self.cls, "live_form", None)
        if not self.trainable or form is None:
            return None
        kind, param, prefix = form
        return kind, {param: prefix + name}

    @property
    def learned_judge_params(self) -> tuple[str, ...]:
        """Parameters that may name a saved learned-judge router ("learned:NAME")."""
        return tuple(getattr(self.cls, "learned_judge_params", ()))

    @property
    def trained_policy_params(self) -> tuple[str, ...]:
        """Parameters that may name a dataset's trained token policies ("trained:NAME")."""
        return tuple(getattr(self.cls, "trained_policy_params", ()))

    @property
    def explore_param(self) -> str | None:
        """The exploration parameter of an online kind (LinUCB's alpha, Thompson's v)."""
        return getattr(self.cls, "explore_param", None)

    def param_specs(self) -> list[Param]:
        return self.cls.param_specs()

    def describe(self) -> str:
        """The first paragraph of the class docstring: what it does and which paper."""
        doc = (self.cls.__doc__ or "").strip()
        return " ".join(doc.split("\n\n")[0].split())

    def build(self, params: dict, pool: dict | None = None, on_step: OnStep | None = None,
              **extra):
        """An untrained router (offline, online) or a ready live router (needs the pool)."""
        if self.live:
            return self.cls(pool, on_step, **params, **extra)
        return self.cls(**params)


CATALOG: dict[str, Kind] = {c.name: Kind.of(c) for c in (*ROUTERS.values(), *LIVE_KINDS)}


def kind(name: str) -> Kind:
    """The entry of a kind; KeyError names the known ones."""
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown router kind '{name}'; known: {sorted(CATALOG)}") from None


def kinds(family: str | None = None) -> list[str]:
    """Kind names in catalog order (offline and online as routers.ROUTERS lists them, then
    live), optionally of one family."""
    return [name for name, entry in CATALOG.items() if family in (None, entry.family)]


def is_live(name: str) -> bool:
    """False for an unknown kind too, so an old saved config never crashes a page."""
    return name in CATALOG and CATALOG[name].live


def is_online(name: str) -> bool:
    return name in CATALOG and CATALOG[name].online
