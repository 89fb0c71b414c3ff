"""Terms (术语): the names of stages, methods and their parameters, in Chinese and English.

One catalogue for every document and the command line, registered in the
message catalogue of :mod:`zongheng.i18n` (keys ``stage.<stage>``,
``method.<stage>.<key>``, ``param.<name>``), so a method line reads
"标准化：功效系数法" in Chinese and "normalise: efficacy coefficient method" in
English, never ``normalise: efficacy``. A test checks that every registered
step has its name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zongheng.i18n import MESSAGES, get_lang, register_messages, text

__all__ = ["award_name", "dataset_caption", "measure_name", "method_line", "method_name", "param_name",
           "stage_name", "step_text"]

_STAGES = {
    "denominate": ("分母化", "denominate"),
    "impute": ("缺失值插补", "impute"),
    "screen": ("筛选", "screen"),
    "treat": ("异常值处理", "treat outliers"),
    "normalise": ("标准化", "normalise"),
    "weight": ("赋权", "weight"),
    "aggregate": ("汇总", "aggregate"),
}

_METHODS = {
    ("denominate", "none"): ("不分母化", "none"),
    ("denominate", "framework"): ("按指标体系分母化", "by the framework's denominators"),
    ("impute", "none"): ("不插补", "none"),
    ("impute", "mean"): ("截面均值插补", "cross-section mean"),
    ("impute", "median"): ("截面中位数插补", "cross-section median"),
    ("impute", "group_mean"): ("组均值插补", "group mean"),
    ("impute", "group_median"): ("组中位数插补", "group median"),
    ("impute", "interpolate"): ("线性插值", "linear interpolation"),
    ("impute", "carry_forward"): ("沿用上期值", "carry forward"),
    ("impute", "carry_backward"): ("用下期值回填", "carry backward"),
    ("impute", "sibling_mean"): ("同级指标均值插补", "mean of sibling indicators"),
    ("screen", "none"): ("不筛选", "none"),
    ("screen", "availability"): ("按数据可得性筛选", "by data availability"),
    ("screen", "units"): ("按名单筛选", "by a list of units"),
    ("treat", "none"): ("不处理", "none"),
    ("treat", "winsorise"): ("偏度峰度驱动的缩尾处理", "winsorisation by skewness and kurtosis"),
    ("treat", "percentile"): ("百分位缩尾", "winsorisation at percentiles"),
    ("treat", "log"): ("对数变换", "log transformation"),
    ("treat", "log_skew"): ("按偏度方向的对数变换", "log transformation by skew direction"),
    ("treat", "boxcox"): ("Box-Cox 变换", "Box-Cox transformation"),
    ("treat", "by_indicator"): ("按指标设置异常值处理", "by indicator"),
    ("normalise", "minmax"): ("极差标准化", "min-max"),
    ("normalise", "zscore"): ("Z 分数标准化", "z-score"),
    ("normalise", "rank"): ("位次法", "rank"),
    ("normalise", "percentile"): ("百分位排名法", "percentile rank"),
    ("normalise", "borda"): ("波达计数", "Borda score"),
    ("normalise", "ratio_to_max"): ("最大值比值法", "ratio to the maximum"),
    ("normalise", "reference_unit"): ("参照单位比值法", "ratio to a reference unit"),
    ("normalise", "distance_to_reference"): ("参照单位距离法", "distance to a reference unit"),
    ("normalise", "index_to_base"): ("定基指数", "index to a base period"),
    ("normalise", "target"): ("目标值法", "distance to target"),
    ("normalise", "goalposts"): ("固定阈值法", "fixed goalposts"),
    ("normalise", "efficacy"): ("功效系数法", "efficacy coefficient method"),
    ("normalise", "vector"): ("向量规范化", "vector normalisation"),
    ("normalise", "sum"): ("比重法", "sum normalisation"),
    ("normalise", "by_indicator"): ("按指标设置标准化方法", "by indicator"),
    ("weight", "framework"): ("指标体系权重", "the framework's weights"),
    ("weight", "given"): ("专家赋权", "expert weights"),
    ("weight", "equal"): ("等权法", "equal weights"),
    ("weight", "ahp"): ("层次分析法", "analytic hierarchy process"),
    ("weight", "entropy"): ("熵权法", "entropy weights"),
    ("weight", "critic"): ("CRITIC 法", "CRITIC weights"),
    ("weight", "cv"): ("变异系数法", "coefficient-of-variation weights"),
    ("weight", "pca"): ("主成分分析赋权", "principal-component weights"),
    ("weight", "combined"): ("主客观组合赋权", "combined subjective and objective weights"),
    ("weight", "optimised"): ("相关性优化权重", "optimised weights"),
    ("aggregate", "arithmetic"): ("加权算术平均", "weighted arithmetic mean"),
    ("aggregate", "geometric"): ("加权几何平均", "weighted geometric mean"),
    ("aggregate", "harmonic"): ("加权调和平均", "weighted harmonic mean"),
    ("aggregate", "generalised"): ("广义幂平均", "generalised mean"),
    ("aggregate", "minimum"): ("最小值法（短板原则）", "minimum"),
    ("aggregate", "topsis"): ("逼近理想解排序法（TOPSIS）", "TOPSIS"),
    ("aggregate", "vikor"): ("多准则妥协解排序法（VIKOR）", "VIKOR"),
    ("aggregate", "grey_relational"): ("灰色关联分析", "grey relational grade"),
    ("aggregate", "copeland"): ("Copeland 计分法", "Copeland score"),
    ("aggregate", "borda"): ("Borda 计分法", "Borda count"),
    ("aggregate", "bod"): ("有利权重法（BoD）", "benefit of the doubt"),
}

_PARAMS = {
    "low": ("下限", "low"), "high": ("上限", "high"), "scale": ("满分", "scale"),
    "lower": ("下分位", "lower quantile"), "upper": ("上分位", "upper quantile"),
    "extrapolate": ("两端外推", "extrapolate"), "limit": ("最多连续填充期数", "limit"),
    "group": ("分组", "group"), "min_share": ("最低数据比例", "minimum share of data"),
    "data": ("依据", "based on"), "include": ("保留", "include"), "exclude": ("剔除", "exclude"),
    "max_points": ("最多缩尾点数", "at most points"), "skew": ("偏度阈值", "skewness threshold"),
    "kurtosis": ("峰度阈值", "kurtosis threshold"), "fallback": ("备选处理", "fallback"),
    "scope": ("参照范围", "scope"), "kind": ("形式", "kind"), "lmbda": ("λ", "lambda"),
    "mean": ("均值", "mean"), "sd": ("标准差", "sd"), "ddof": ("自由度修正", "ddof"),
    "unit": ("参照单位", "reference unit"), "cap": ("封顶", "cap"), "clip": ("截断", "clip"),
    "base": ("基础分", "base"), "span": ("分差", "span"), "bounds": ("取值范围", "bounds"),
    "base_period": ("基期", "base period"), "levels": ("层级", "levels"), "p": ("幂", "power"),
    "weights": ("权重", "weights"), "default": ("默认", "default"), "overrides": ("单独设置", "overrides"),
}

_VALUES = {
    "nearest": ("最近值", "nearest"), "none": ("无", "none"), "pooled": ("全部时期合并", "pooled"),
    "per_period": ("逐期", "per period"), "raw": ("原始数据", "raw data"),
    "input": ("插补后数据", "imputed data"), "scores": ("标准化得分", "normalised scores"),
    "data": ("数据范围", "data range"), "goalposts": ("指标体系阈值", "the framework's goalposts"),
    "ct": ("平移对数", "shifted log"), "plain": ("自然对数", "natural log"),
    "log": ("对数变换", "log transformation"), True: ("是", "yes"), False: ("否", "no"),
}

register_messages({f"stage.{k}": v for k, v in _STAGES.items()})
register_messages({f"method.{s}.{k}": v for (s, k), v in _METHODS.items()})
register_messages({f"param.{k}": v for k, v in _PARAMS.items()})


def stage_name(stage: str, lang: str | None = None) -> str:
    """Return a stage's name (``标准化`` / ``normalise``); an unknown stage as it is."""
    key = f"stage.{stage}"
    return text(key, lang) if key in MESSAGES else stage


def method_name(stage: str, key: str, lang: str | None = None) -> str:
    """Return a method's name (``功效系数法`` / ``efficacy coefficient method``)."""
    name = f"method.{stage}.{key}"
    return text(name, lang) if name in MESSAGES else key


def param_name(name: str, lang: str | None = None) -> str:
    """Return a parameter's name (``下分位`` / ``lower quantile``); an unknown one as it is."""
    key = f"param.{name}"
    return text(key, lang) if key in MESSAGES else name


def _value_text(value: Any, lang: str) -> str:
    try:
        # 1 == True: a number is looked up only when it is a real bool ("low 1", not "low 是")
        if (isinstance(value, bool) or not isinstance(value, int | float)) and value in _VALUES:
            zh, en = _VALUES[value]
            return en if lang == "en" else zh
    except TypeError:  # unhashable
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        return "、".join(_value_text(v, lang) for v in value) if lang != "en" else \
            ", ".join(_value_text(v, lang) for v in value)
    if isinstance(value, Mapping):
        sep = "，" if lang != "en" else ", "
        return sep.join(f"{k}: {_value_text(v, lang)}" for k, v in value.items())
    return str(value)


def step_text(stage: str, step: Any, lang: str | None = None) -> str:
    """Return a step as words: its method's name and the parameters that differ from the defaults.

    Examples
    --------
    >>> from zongheng.steps.treat import WinsorisePercentile
    >>> step_text("treat", WinsorisePercentile(lower=0.02, upper=0.98), "zh")
    '百分位缩尾（下分位 0.02，上分位 0.98）'
    >>> step_text("treat", WinsorisePercentile(lower=0.02, upper=0.98), "en")
    'winsorisation at percentiles (lower quantile 0.02, upper quantile 0.98)'
    """
    lang = lang or get_lang()
    spec = step.to_spec()
    key = spec if isinstance(spec, str) else spec["method"]
    params = {} if isinstance(spec, str) else {k: v for k, v in spec.items() if k != "method"}
    name = method_name(stage, key, lang)
    if not params:
        return name
    shown = [_param_text(k, v, lang) for k, v in params.items()]
    return f"{name} ({', '.join(shown)})" if lang == "en" else f"{name}（{'，'.join(shown)}）"


def _param_text(key: str, value: Any, lang: str) -> str:
    """Return one parameter as words: "下分位 0.02" for numbers, "两端外推：最近值" for words."""
    shown = _value_text(value, lang)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{param_name(key, lang)}{'：' if lang != 'en' else ': '}{shown}"
    return f"{param_name(key, lang)} {shown}"


def method_line(method: Any, lang: str | None = None) -> str:
    """Return a whole method in words, stage by stage, leaving out the stages that do nothing.

    Examples
    --------
    >>> from zongheng.method import Method
    >>> method_line(Method(impute="interpolate", normalise="efficacy"), "zh")
    '分母化：按指标体系分母化；缺失值插补：线性插值；标准化：功效系数法；赋权：指标体系权重；汇总：加权算术平均'
    """
    lang = lang or get_lang()
    parts = []
    for stage in _STAGES:
        value = getattr(method, stage)
        if isinstance(value, Mapping):  # aggregation per level
            sep = ", " if lang == "en" else "、"
            parts.append((stage, sep.join(f"{level}: {step_text(stage, s, lang)}"
                                          for level, s in value.items())))
            continue
        if value.key == "none":
            continue
        parts.append((stage, step_text(stage, value, lang)))
    if lang == "en":
        return "; ".join(f"{stage_name(s, lang)}: {t}" for s, t in parts)
    return "；".join(f"{stage_name(s, lang)}：{t}" for s, t in parts)


# -- words the data do not carry: units of measure, award names, dataset captions ----------------
# The frameworks carry indicator and dimension names in both languages (name / name_en); these
# they do not. One table each, for every writer and the command line.

_MEASURES = {
    "%": "%", "‰": "‰", "µg/m³": "µg/m³", "分": "points", "天": "days", "年": "years",
    "次": "times", "家": "firms", "个": "items", "件": "items", "项": "items", "起": "cases",
    "座": "sites", "处": "sites", "人": "persons", "亩": "mu", "公顷": "ha", "平方公里": "km²",
    "千米": "km", "公里": "km", "吨": "t", "万吨": "10k t", "元": "yuan", "万元": "10k yuan",
    "亿元": "100 m yuan", "万元/人": "10k yuan per person", "万元/亩": "10k yuan per mu",
    "万元/吨": "10k yuan per tonne", "万元/吨标准煤": "10k yuan per tce",
    "吨标准煤/万元": "tce per 10k yuan", "立方米/万元": "m³ per 10k yuan",
    "m³/万元": "m³ per 10k yuan", "件/百亿元": "items per 10 bn yuan", "是/否": "yes/no",
}
register_messages({f"measure.{zh}": (zh, en) for zh, en in _MEASURES.items()})

register_messages({
    "award.天工鼎": ("天工鼎", "Tiangong Ding"),
    "award.金鼎": ("金鼎", "Golden Ding"),
    "award.非山区县前20": ("非山区县前20", "top 20 of the non-mountain counties"),
    "award.山区26县前6": ("山区26县前6", "top 6 of the 26 mountain counties"),
})

register_messages({
    "dataset.asem": ("亚欧会议可持续互联互通指数（ASEM，真实数据，COINr 示例）",
                     "ASEM Sustainable Connectivity Index (real data, COINr's example)"),
    "dataset.tiangong_demo": ("浙江制造天工鼎评价演示数据：全省90个县（市、区），2020—2024年（合成数据）",
                              "Tiangong Ding demo: Zhejiang's 90 county-level units, 2020–2024 "
                              "(synthetic data)"),
    "dataset.eco_yongkang": ("金华市9个县（市、区）生态文明建设监督指标（合成数据）",
                             "Eco-civilisation supervision indicators of the 9 county-level units "
                             "of Jinhua (synthetic data)"),
    "dataset.yongkang_enterprises": ("永康市工业企业亩均效益基础数据（合成数据）",
                                     "亩均 base data of 2,000 firms in Yongkang (synthetic data)"),
})


def measure_name(unit: object, lang: str | None = None) -> str:
    """Return a unit of measure (计量单位) in ``lang``: ``天`` → ``days``; empty when none.

    Units without Chinese (``%``, ``µg/m³``) read the same in both languages; a unit the
    table does not know is shown as written.

    Examples
    --------
    >>> measure_name("万元/亩", "en"), measure_name("万元/亩", "zh"), measure_name(None)
    ('10k yuan per mu', '万元/亩', '')
    """
    if unit is None or unit != unit or not str(unit).strip():  # None, NaN, blank
        return ""
    unit = str(unit).strip()
    key = f"measure.{unit}"
    return text(key, lang) if key in MESSAGES else unit


def award_name(name: str, lang: str | None = None) -> str:
    """Return an award's (or an award rule's) name in ``lang``; an unknown name as it is."""
    key = f"award.{name}"
    return text(key, lang) if key in MESSAGES else name


def dataset_caption(name: str, fallback: str = "", lang: str | None = None) -> str:
    """Return a bundled dataset's caption in ``lang``; ``fallback`` (or the name) if it has none."""
    key = f"dataset.{name}"
    return text(key, lang) if key in MESSAGES else (fallback or name)
