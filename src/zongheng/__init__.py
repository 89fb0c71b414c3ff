"""zongheng (纵横): evaluate, rank and benchmark regions and enterprises on indicator systems.

>>> import zongheng as zh
>>> ds = zh.datasets.load("asem")
>>> ev = zh.build(ds.framework, ds.panel, ds.method)
>>> ev.ranking().iloc[0]["unit"]
'CHE'
"""

from zongheng import datasets, enterprise, frameworks
from zongheng.build import build
from zongheng.errors import DataError, FrameworkError, MethodError, ZonghengError, ZonghengWarning
from zongheng.evaluation import Evaluation
from zongheng.framework import Aggregate, Direction, Framework, Indicator
from zongheng.i18n import set_lang
from zongheng.io import read_framework, read_panel, write_framework
from zongheng.method import Method, read_method, write_method
from zongheng.panel import Panel

__version__ = "0.1.0"

__all__ = [
    "Aggregate",
    "DataError",
    "Direction",
    "Evaluation",
    "Framework",
    "FrameworkError",
    "Indicator",
    "Method",
    "MethodError",
    "Panel",
    "ZonghengError",
    "ZonghengWarning",
    "build",
    "datasets",
    "enterprise",
    "frameworks",
    "read_framework",
    "read_method",
    "read_panel",
    "set_lang",
    "write_framework",
    "write_method",
]
