"""ExplainDetail (PyFlink's): what explain() adds to a plan."""

from enum import Enum


class ExplainDetail(Enum):
    """Extra details of EXPLAIN; weir shows CHANGELOG_MODE, and accepts the others."""

    ESTIMATED_COST = 0
    CHANGELOG_MODE = 1
    JSON_EXECUTION_PLAN = 2
    PLAN_ADVICE = 3
