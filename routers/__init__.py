"""Pure routing algorithms: numpy / scipy / scikit-learn only, no I/O.

`ROUTERS` maps each router's name to its class; every class cites the paper or system it
follows in its docstring.
"""

from routers.bandits import LinearThompson, LinUCB
from routers.base import Decision, Outcomes, Param, Queries, Router
from routers.baselines import RandomRouter, SingleModel
from routers.cascade import CascadeRouter
from routers.centroid import CentroidRouter
from routers.clusters import ClusterErrorRouter
from routers.irt import IRTRouter
from routers.judged import JudgedCascade
from routers.knn import KNNRouter
from routers.mf import MatrixFactorisationRouter
from routers.predictive import PredictiveRouter
from routers.rules import RuleRouter
from routers.semantic import SemanticRoutes
from routers.stacking import StackedRouter

ROUTERS: dict[str, type[Router]] = {cls.name: cls for cls in (
    SingleModel, RandomRouter, RuleRouter, SemanticRoutes, KNNRouter, CentroidRouter,
    ClusterErrorRouter, PredictiveRouter, MatrixFactorisationRouter, IRTRouter,
    StackedRouter, CascadeRouter, JudgedCascade, LinUCB, LinearThompson)}

__all__ = ["ROUTERS", "Decision", "Outcomes", "Param", "Queries", "Router"]
