"""Words the command line shows that the data do not carry (命令行用语), in Chinese and English.

The frameworks carry the names of their indicators and dimensions in both languages
(``name``/``name_en``), but not the names of award rules (an award YAML has one ``name``),
units of measure (``unit: 天``) or a bundled dataset's caption (the first line of its
README, which mixes both languages). These are translated in :mod:`zongheng.terms` (one table
for every writer and the command line); this module gives the command line its names for them.
A word without an entry is shown as it is.

Imports only the light i18n module: ``zongheng --help`` loads this.
"""

from __future__ import annotations

from zongheng.terms import award_name, dataset_caption, measure_name

__all__ = ["DATASETS", "award_name", "dataset_caption", "measure"]

DATASETS = ("asem", "eco_yongkang", "tiangong_demo")
"""The bundled datasets by name, for ``--help`` (which must not load them); a test keeps it
equal to :func:`zongheng.datasets.available`."""

# The words live in the one catalogue of terms; the command line's names for them.
measure = measure_name
