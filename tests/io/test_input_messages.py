"""Every message the hardened readers add exists in Chinese and English and fills its fields."""

import re

import pytest

import zongheng.io.panel_reader
import zongheng.io.yaml_file
from zongheng.i18n import MESSAGES, text

assert zongheng.io.panel_reader and zongheng.io.yaml_file  # imported for their messages

# key → the parameters its problems carry (as the readers fill them)
KEYS = {
    "yaml_duplicate_key": {"name": "weight", "first": 6},
    "yaml_alias_bomb": {"name": "l0", "line": 4, "uses": 49, "limit": "100,000"},
    "yaml_recursive_alias": {"name": "x", "line": 1},
    "yaml_too_deep": {},
    "cell_formula": {"value": "=D2*2", "indicator": "A1"},
    "cell_error": {"value": "#DIV/0!", "indicator": "A1"},
    "cell_boolean": {"value": "TRUE", "indicator": "A1"},
    "sheet_too_many_rows": {"limit": "1,048,576"},
    "sheet_too_many_cells": {"limit": "20,000,000"},
    "sheet_too_wide": {"rows": "6", "columns": "7", "last": "Z30", "limit": "41", "far": "Z30"},
    "header_unit_mismatch": {"name": "产值（元）", "unit": "元", "code": "A1", "expected": "亿元"},
    "unit_table_duplicate": {"unit": "u1", "first": 2},
    "value_too_large": {"value": "1e308", "indicator": "A1"},
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("key", sorted(KEYS))
def test_message_in_both_languages(key):
    zh_text, _ = MESSAGES[key]
    assert CJK.search(zh_text)
    filled = {"zh": text(key, "zh", **KEYS[key]), "en": text(key, "en", **KEYS[key])}
    for value in KEYS[key].values():
        assert str(value) in filled["zh"] and str(value) in filled["en"]
    # the English text has no Chinese of its own (only what the parameters bring)
    english = filled["en"]
    for value in sorted(map(str, KEYS[key].values()), key=len, reverse=True):
        english = english.replace(value, "")
    assert not CJK.search(english)
