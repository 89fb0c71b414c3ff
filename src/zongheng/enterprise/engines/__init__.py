"""Grading engines (评价引擎) for tables of any size: pandas, DuckDB, Dask.

Every engine gives the same A/B/C/D to every firm as
:func:`zongheng.enterprise.grade_enterprises`; they differ in where the table lives
(pandas: in memory; DuckDB: in process, spilling to disk; Dask: a cluster) and all
return a :class:`GradeSummary`, writing the full grade list to a file.
"""

from zongheng.enterprise.engines.summary import GradeSummary

__all__ = ["GradeSummary"]
