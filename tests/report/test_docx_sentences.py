"""Word drafts: sentences that depend on the case (python-docx text, no rendering needed)."""

import warnings
import zipfile

import numpy as np
import pytest
from docx import Document
from lxml import etree

import zongheng as zh
from zongheng import display
from zongheng.report.brief import unit_brief
from zongheng.report.docx import write_eco_docx, write_tiangong_docx
from zongheng.report.writers import rank_uncertainty

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def ev():
    ds = zh.datasets.load("tiangong_demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return zh.build(ds.framework, ds.panel, ds.method)


@pytest.fixture(scope="module")
def brief(ev):
    return unit_brief(ev, "永康市", group="设区市", target_rank=2)


def _text(path):
    return "\n".join(p.text for p in Document(path).paragraphs)


def test_one_uncertainty_report_for_the_target_gives_p_reach_only(brief, tmp_path):
    # rank_uncertainty without tops analyses the target rank only (top = 2): the draft gives
    # P(reach 2nd) and does not invent P(keep 3rd).
    report = rank_uncertainty(brief, samples=100, seed=3)
    assert int(report.summary["top"]) == 2
    text = _text(write_tiangong_docx(brief, tmp_path / "reach.docx", uncertainty=report))
    p = display.percent(report.detail["p_top_in_group"])
    assert f"永康市升至金华市第2位或更前的概率为{p}。" in text
    assert "保住金华市第3位（第3位或更前）的概率" not in text
    assert "100次测算" in text


def test_goal_in_english_and_a_target_two_places_up(ev, brief, tmp_path):
    text = _text(write_tiangong_docx(brief, tmp_path / "en.docx", lang="en"))
    assert "Goal: hold 3rd, reach 2nd in 金华市." in text
    two_up = unit_brief(ev, "永康市", group="设区市", target_rank=1)
    text = _text(write_tiangong_docx(two_up, tmp_path / "up.docx"))
    # target = current − 2 is not 保三争二: 争一 (reach 1st)
    assert "目标：争一，即在金华市升至第1位。" in text
    assert "保三争二" not in text


def test_the_last_of_its_group_has_no_unit_behind(ev, tmp_path):
    ranking = ev.ranking(group="设区市")
    jinhua = ranking[ranking["设区市"] == "金华市"]
    last = jinhua.sort_values("rank_in_设区市")["unit"].iloc[-1]
    b = unit_brief(ev, last, group="设区市")
    assert b.behind is None
    text = _text(write_tiangong_docx(b, tmp_path / "last.docx"))
    name = b.name
    assert f"{name}在金华市排最后一位，没有排名更后的单位。" in text
    assert "与后一名" not in text


def test_eco_all_green_only_when_every_indicator_is_judged_green(tmp_path):
    # Every indicator of 永康市 exactly at its target in every year (yes/no items done): all are
    # attained and none worsens, so all 30 are green and the draft may say 均为绿灯.
    eco = zh.datasets.load("eco_yongkang")
    fw, panel = eco.framework, eco.panel
    values = panel.values.copy()
    u = panel.units.index("永康市")
    targets = np.array([1.0 if i.rule == "yes" else i.target for i in fw.indicators], dtype=float)
    assert np.isfinite(targets).all()
    values[:, u, :] = targets
    text = _text(write_eco_docx(fw, panel.with_values(values), "永康市", tmp_path / "green.docx"))
    assert "2024年，永康市各项监督指标均为绿灯。" in text
    assert "预警情况：绿灯30项、黄灯0项、红灯0项。" in text
    assert "无法评价" not in text and "无法判断" not in text
    # one value missing: that indicator cannot be judged and the draft says so
    values[-1, u, 0] = np.nan
    text = _text(write_eco_docx(fw, panel.with_values(values), "永康市", tmp_path / "gap.docx"))
    assert "各项监督指标均为绿灯" not in text
    assert "可评价的29项监督指标均为绿灯；另有1项指标因缺少目标值或实际值无法评价" in text
    assert "另有1项指标因缺少目标值或实际值无法评价：PM2.5年均浓度。" in text


# ECMA-376 order of the children of the property elements the writers touch: Word reports
# "unreadable content" for a document whose elements are out of order.
_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
           "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
           "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
           "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
           "rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
           "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
           "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
              "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection "
              "bidi rtlGutter docGrid printerSettings sectPrChange",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader "
            "tblCellSpacing jc hidden",
}


def test_the_xml_is_in_schema_order(brief, tmp_path):
    eco = zh.datasets.load("eco_yongkang")
    paths = [write_tiangong_docx(brief, tmp_path / "t.docx"),
             write_eco_docx(eco.framework, eco.panel, "永康市", tmp_path / "e.docx")]
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    checked = 0
    for path in paths:
        with zipfile.ZipFile(path) as z:
            for name in ("word/document.xml", "word/styles.xml", "word/footer1.xml",
                         "word/footer2.xml"):
                if name not in z.namelist():
                    continue
                root = etree.fromstring(z.read(name))
                for tag, seq in _ORDER.items():
                    order = seq.split()
                    for el in root.iter(w + tag):
                        kids = [etree.QName(k).localname for k in el if isinstance(k.tag, str)]
                        at = [order.index(k) for k in kids if k in order]
                        assert at == sorted(at), (name, tag, kids)
                        checked += 1
    assert checked > 1000
