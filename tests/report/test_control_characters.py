"""Names pasted from Word or PDF carry control characters: no writer may crash on them."""

import zongheng as zh
from zongheng.panel import Panel
from zongheng.report.brief import unit_brief
from zongheng.report.writers import write_report


def test_a_panel_built_in_python_with_control_characters_writes_every_document(tmp_path):
    # Reliability review §6: "\x0b" (Word's soft line break) in a unit name crashed the
    # Word writer (python-docx: "All strings must be XML compatible") and openpyxl.
    ds = zh.datasets.load("tiangong_demo")
    names = [n + "\x0b\x01" if n == "永康市" else n for n in ds.panel.names()]
    groups = {g: list(ds.panel.group(g)) for g in ds.panel.groups}
    groups["设区市"] = [g + "\x0c" if g == "金华市" else g for g in groups["设区市"]]
    panel = Panel(ds.panel.values, ds.panel.units, ds.panel.periods, ds.panel.indicators,
                  {"name": names, **groups}, ds.panel.denominators, ds.panel.denominator_codes,
                  ds.panel.source, dict(ds.panel.meta))
    assert "永康市" in panel.names() and "金华市" in set(panel.group("设区市"))  # cleaned on the way in
    ev = zh.build(ds.framework, panel, ds.method)
    brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
    for fmt in ("docx", "xlsx", "html"):
        written = write_report(brief, tmp_path / f"r.{fmt}", format=fmt)
        assert written.stat().st_size > 0
