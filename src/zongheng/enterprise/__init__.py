"""Enterprise evaluation (企业评价): 亩均效益 grading behind 低效整治.

>>> from zongheng.enterprise import generate_enterprises, grade_enterprises
>>> result = grade_enterprises(generate_enterprises(500, seed=3))
>>> list(result.distribution["branch"])
['规上', '规下', 'all']
"""

from zongheng.enterprise.columns import BASE_COLUMNS, BaseColumn, read_enterprises
from zongheng.enterprise.export import document, localised, write_result
from zongheng.enterprise.generator import bundled_table, generate_enterprises
from zongheng.enterprise.muyun import REASONS, GradingResult, grade_enterprises
from zongheng.enterprise.rule import GRADES, Branch, GradingRule, read_rule, write_rule

__all__ = [
    "BASE_COLUMNS",
    "GRADES",
    "REASONS",
    "BaseColumn",
    "Branch",
    "GradingResult",
    "GradingRule",
    "bundled_table",
    "document",
    "generate_enterprises",
    "grade_enterprises",
    "localised",
    "read_enterprises",
    "read_rule",
    "write_result",
    "write_rule",
]
