"""Reads for the insights: each returns everything a page or the API shows (groups, rows, trend series).

Days, weeks and months are counted in the viewing user's time zone (``periods``); thresholds come from
the customer, its segment or the default setting (``thresholds``).
"""

from totonou.insights.selectors.coverage import key_customer_coverage
from totonou.insights.selectors.plan_vs_actual import plan_vs_actual
from totonou.insights.selectors.strategy_alignment import strategy_alignment
from totonou.insights.selectors.uncontacted import uncontacted_customers

__all__ = ["key_customer_coverage", "plan_vs_actual", "strategy_alignment", "uncontacted_customers"]
