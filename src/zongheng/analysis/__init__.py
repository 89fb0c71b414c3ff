"""Analyses of an evaluation (纵横分析).

- :mod:`~zongheng.analysis.progress` — 纵向比进步: change against the past, most improved
- :mod:`~zongheng.analysis.ranking` — 横向比进位: ranks in peer groups, tiers, award rules
- :mod:`~zongheng.analysis.strengths` — 找问题: strengths, weaknesses, declines
- :mod:`~zongheng.analysis.gap` — 找差距: the gap to a peer, per indicator
- :mod:`~zongheng.analysis.path` — 找方法、找路径: the least change to a target rank
- :mod:`~zongheng.analysis.whatif` — 情景模拟: scenarios
- :mod:`~zongheng.analysis.attainment` — 达标: targets, trends, early-warning lights
- :mod:`~zongheng.analysis.coherence` — statistical coherence of the framework
- :mod:`~zongheng.analysis.uncertainty` — rank uncertainty (Monte Carlo) and Sobol sensitivity

Import the module you need (``from zongheng.analysis.path import path``).
"""
