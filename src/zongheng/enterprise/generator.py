"""Synthetic enterprises (合成企业数据) for demos, tests and benchmarks — not real firms.

:func:`generate_enterprises` draws a county's industrial firms with the base
data of a 亩均 evaluation. The model, all of it assumed (calibrated by eye to
the 黄岩 2022 benchmark values of domain.md §3.3, not fitted to any data):

- **Sector mix** of 永康's hardware industry (五金): 电动工具, 门业, 杯壶, 车业, 厨具,
  日用五金, 金属材料/铸造, 电镀/表面处理, 模具/机械, 衡器/其他 (shares in :data:`SECTORS`).
- **Size**: 营业收入 is lognormal (median ≈ 1,070 万元, σ = 1.2 in logs); a firm
  is 规上 when its revenue is ≥ 2,000 万元 (the national statistical threshold),
  which makes ≈ 30 % of firms 规上.
- **A latent efficiency** ``e ~ N(0, 1)`` per firm raises its value-added rate,
  tax rate, labour and energy productivity and R&D together and lowers its land
  use, so the six indicators are positively correlated, as in real rankings.
- **Land** (亩) ∝ revenue^0.75 (bigger firms use land more intensively); 0.5 %
  of firms are tenants with no land of their own (用地面积 0).
- **Energy and emissions** follow value added over a sector-specific productivity
  (金属材料 and 电镀 use more energy; 电镀 emits more); 3 % of firms report no
  emissions (排放当量 0).
- **R&D**: 75 % of 规上 and 25 % of 规下 firms spend on R&D, ≈ 2.5 % of revenue.
- **Flags**: 2 % exempt (免评: new or public-utility firms), 3 % protected
  (保护期: newly above scale), 1.5 % with a safety/environment violation.

Identifiers look like credit codes but contain ``SYN`` (not a valid code, so
never a real firm's): ``91330784SYN0000001``. Everything is drawn with numpy
in one pass per column (no loop over firms) and is the same for the same seed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = ["SECTORS", "SYNTHETIC_NOTE", "bundled_table", "generate_enterprises", "synthetic_table",
           "write_bundled_table", "write_synthetic"]

# sector: (share, value-added rate, energy productivity factor, emission productivity factor,
#          R&D factor, word in the firm's name). Assumed, from 永康's known hardware trades.
SECTORS: dict[str, tuple[float, float, float, float, float, str]] = {
    "电动工具": (0.14, 0.22, 1.3, 1.3, 1.3, "电器"),
    "门业": (0.14, 0.20, 1.0, 1.0, 0.9, "门业"),
    "杯壶": (0.12, 0.21, 1.1, 0.8, 1.0, "杯业"),
    "车业": (0.10, 0.19, 1.2, 1.2, 1.2, "车业"),
    "厨具": (0.10, 0.20, 1.0, 0.9, 0.9, "厨具"),
    "日用五金": (0.14, 0.20, 1.1, 1.1, 0.8, "五金制品"),
    "金属材料": (0.08, 0.15, 0.3, 0.7, 0.6, "金属材料"),
    "电镀": (0.03, 0.25, 0.6, 0.1, 0.5, "表面处理"),
    "模具机械": (0.10, 0.24, 1.1, 1.2, 1.4, "机械"),
    "衡器其他": (0.05, 0.21, 1.2, 1.2, 1.1, "工贸"),
}
_BRAND_1 = tuple("金华永恒鑫泰宏德丰瑞通达新兴隆盛安康嘉顺正和中天元方明远亚美博力星海博创佳")
_BRAND_2 = tuple("利丰源达宇成信发辉邦诚豪凯龙腾飞盛奥特宝祥捷科峰越鸿锦强华威乐立航")
# County codes for the credit-code-like identifiers; others use the province's 330000.
_COUNTY_CODES = {"永康市": "330784"}
BUNDLED_SEED = 20240501
#: Firms drawn at once by :func:`write_synthetic` (≈ 200 MB of memory).
CHUNK_SIZE = 1_000_000
#: Rows per Parquet row group written by :func:`write_synthetic`: a reader's unit of work, so
#: smaller groups let DuckDB's threads share a file and hold less of it at once.
ROW_GROUP_SIZE = 250_000
SYNTHETIC_NOTE = "合成数据，非真实企业 (synthetic data, not real firms)"
BUNDLED_SIZE = 2000


def generate_enterprises(n: int, seed: int = 0, county: str = "永康市") -> pd.DataFrame:
    """Draw ``n`` synthetic enterprises (合成企业) with 亩均 base data.

    Parameters
    ----------
    n : int
        Number of firms.
    seed : int
        Seed of the generator: the same seed gives the same table.
    county : str
        The county named in the firms' names (and, for 永康市, in the identifiers).

    Returns
    -------
    pandas.DataFrame
        Chinese headers as a county table has them: 统一社会信用代码, 企业名称, 行业, 规模,
        用地面积(亩), 税收(万元), 工业增加值(万元), 营业收入(万元), 综合能耗(吨标准煤),
        排放当量(吨), 年平均职工人数(人), 研发经费(万元), 是否豁免, 是否保护, 安全环保违法.

    Examples
    --------
    >>> table = generate_enterprises(5, seed=1)
    >>> table.shape
    (5, 15)
    >>> table["统一社会信用代码"].iloc[0]
    '91330784SYN0000001'
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    return _chunk(n, np.random.default_rng(seed), county, 1).to_pandas()


def _chunk(n: int, rng: np.random.Generator, county: str, first: int, typed_flags: bool = False) -> pa.Table:
    """Draw ``n`` firms numbered from ``first`` as an Arrow table (text built in Arrow, not Python).

    ``typed_flags``: the 是/否 flags as booleans (what a typed Parquet file holds) instead of text.
    """
    spec = np.array([v[:5] for v in SECTORS.values()])
    sector = rng.choice(len(SECTORS), size=n, p=spec[:, 0] / spec[:, 0].sum())
    va_rate0, energy_f, emission_f, rd_f = spec[sector, 1], spec[sector, 2], spec[sector, 3], spec[sector, 4]
    eff = rng.standard_normal(n)

    def noise(sigma: float) -> np.ndarray:
        return rng.normal(0.0, sigma, n)

    revenue = np.clip(np.exp(6.97 + 1.2 * rng.standard_normal(n)), 20.0, 5e6)
    above = revenue >= 2000.0
    va_rate = np.clip(va_rate0 * np.exp(0.15 * eff + 0.15 * noise(1.0)), 0.04, 0.6)
    value_added = revenue * va_rate
    land = np.exp(-4.2 + 0.75 * np.log(revenue) - 0.25 * eff + noise(0.45))
    tenant = rng.random(n) < 0.005
    land = np.where(tenant, 0.0, np.maximum(land, 0.3))
    tax = revenue * 0.036 * np.exp(0.3 * eff + noise(0.45))
    tax = np.where(~above & (rng.random(n) < 0.02), 0.0, tax)  # a few small firms paid no tax
    per_worker = 80.0 * np.exp(0.25 * eff + noise(0.35))  # revenue per worker, 万元/人
    employees = np.maximum(3, np.rint(revenue / per_worker)).astype(np.int64)
    energy = np.maximum(value_added / (3.0 * energy_f * np.exp(0.3 * eff + noise(0.5))), 0.5)
    emissions = value_added / (5000.0 * emission_f * np.exp(0.2 * eff + noise(0.7)))
    emissions = np.where(rng.random(n) < 0.03, 0.0, np.maximum(emissions, 0.001))
    does_rd = rng.random(n) < np.where(above, 0.75, 0.25)
    rd_share = np.minimum(0.025 * rd_f * np.exp(0.35 * eff + noise(0.5)), 0.15)
    rd = np.where(does_rd, revenue * rd_share, 0.0)
    flag = rng.random(n)
    exempt = flag < 0.02
    protected = (flag >= 0.02) & (flag < 0.05)
    veto = rng.random(n) < 0.015

    code = _COUNTY_CODES.get(county, "330000")
    serial = pc.utf8_lpad(pa.array(np.arange(first, first + n, dtype=np.int64)).cast(pa.string()), 7, "0")
    # Names from a lookup of every brand × sector word (≈ 12,000 strings), taken by index.
    b1, b2 = rng.integers(0, len(_BRAND_1), n), rng.integers(0, len(_BRAND_2), n)
    words = [v[5] for v in SECTORS.values()]
    names = pa.array([f"{county}{x}{y}{w}有限公司" for x in _BRAND_1 for y in _BRAND_2 for w in words])
    pick = (b1 * len(_BRAND_2) + b2) * len(words) + sector

    def take(values: list[str], index: np.ndarray) -> pa.Array:
        return pc.take(pa.array(values), pa.array(index))

    yes_no = ["否", "是"]

    def flag(values: np.ndarray) -> pa.Array:
        return pa.array(values, type=pa.bool_()) if typed_flags else take(yes_no, values.astype(np.int64))

    return pa.table({
        "统一社会信用代码": pc.binary_join_element_wise(f"91{code}SYN", serial, ""),
        "企业名称": pc.take(names, pa.array(pick)),
        "行业": take(list(SECTORS), sector),
        "规模": take(["规下", "规上"], above.astype(np.int64)),
        "用地面积(亩)": np.round(land, 2),
        "税收(万元)": np.round(tax, 2),
        "工业增加值(万元)": np.round(value_added, 2),
        "营业收入(万元)": np.round(revenue, 2),
        "综合能耗(吨标准煤)": np.round(energy, 2),
        "排放当量(吨)": np.round(emissions, 3),
        "年平均职工人数(人)": employees,
        "研发经费(万元)": np.round(rd, 2),
        "是否豁免": flag(exempt),
        "是否保护": flag(protected),
        "安全环保违法": flag(veto),
    })


def synthetic_table(n: int, seed: int = 0, county: str = "永康市", typed_flags: bool = True) -> pa.Table:
    """Return ``n`` ≤ :data:`CHUNK_SIZE` synthetic firms as an Arrow table (合成企业, in memory).

    The same firms as ``write_synthetic(path, n, seed)`` writes (one chunk), in memory — what the
    CLI grades without writing and reading a file first.

    Parameters
    ----------
    n : int
        Number of firms (at most :data:`CHUNK_SIZE`).
    seed : int
    county : str
    typed_flags : bool
        The 是/否 flags as booleans (default, as ``write_synthetic``) or as text.

    Returns
    -------
    pyarrow.Table
    """
    if not 0 <= n <= CHUNK_SIZE:
        raise ValueError(f"n must be between 0 and {CHUNK_SIZE}, got {n}")
    return _chunk(n, np.random.default_rng(seed), county, 1, typed_flags)


def write_synthetic(path: str | Path, n: int, seed: int = 0, county: str = "永康市",
                    chunk_size: int = CHUNK_SIZE, typed_flags: bool = True,
                    row_group_size: int = ROW_GROUP_SIZE) -> Path:
    """Write ``n`` synthetic firms (合成企业) to a Parquet file, chunk by chunk, at any size.

    Memory stays that of one chunk. The first chunk is drawn with ``seed`` (so up to
    ``chunk_size`` firms the file holds :func:`generate_enterprises` ``(n, seed)``), chunk
    *k* with the seed ``[seed, k]``: the same ``(n, seed, chunk_size)`` gives the same firms.
    The file's metadata says the data are synthetic (``zongheng.synthetic``).
    The 是/否 flags (是否豁免, 是否保护, 安全环保违法) are Parquet booleans by default, read
    without parsing text; ``typed_flags=False`` writes them as the words 是/否, as a county's
    spreadsheet has them (the same grades either way).

    Parameters
    ----------
    path : path
        The ``.parquet`` file (written atomically).
    n : int
        Number of firms.
    seed : int
    county : str
    chunk_size : int
        Firms drawn at once.
    typed_flags : bool
        Write the flags as booleans (default) or as the text 是/否.
    row_group_size : int
        Rows per Parquet row group (at most ``chunk_size`` in effect).

    Returns
    -------
    Path
    """
    from zongheng.io.atomic import atomic_write

    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be ≥ 1, got {chunk_size}")
    if row_group_size < 1:
        raise ValueError(f"row_group_size must be ≥ 1, got {row_group_size}")
    schema = _chunk(0, np.random.default_rng(seed), county, 1, typed_flags).schema.with_metadata({
        b"zongheng.synthetic": SYNTHETIC_NOTE.encode(),
        b"zongheng.generator": f"generate_enterprises(seed={seed}, county={county}, n={n}, "
                               f"chunk_size={chunk_size})".encode(),
    })

    def write(tmp: Path) -> None:
        # Dictionary pages for the text that repeats (sector, scale, 是/否, the ≈ 12,000 names) only:
        # trying them on every number column cost ≈ 0.4 s of CPU per 10⁶ firms, for a file 1.4 × smaller.
        few = ["企业名称", "行业", "规模", *([] if typed_flags else ["是否豁免", "是否保护", "安全环保违法"])]
        with pq.ParquetWriter(tmp, schema, compression="snappy", use_dictionary=few) as writer:
            for k, start in enumerate(range(0, n, chunk_size)):  # a loop over chunks of firms
                rng = np.random.default_rng(seed if k == 0 else [seed, k])
                table = _chunk(min(chunk_size, n - start), rng, county, start + 1, typed_flags)
                writer.write_table(table.cast(schema), row_group_size=row_group_size)

    return atomic_write(path, write)


def bundled_table() -> Path:
    """Return the path of the bundled synthetic 永康 table (2,000 firms)."""
    return Path(str(resources.files("zongheng.datasets"))) / "yongkang_enterprises" / \
        "yongkang_enterprises.csv"


def write_bundled_table(path: str | Path | None = None) -> Path:
    """Regenerate the bundled table (seed :data:`BUNDLED_SEED`, :data:`BUNDLED_SIZE` firms)."""
    path = Path(path) if path is not None else bundled_table()
    generate_enterprises(BUNDLED_SIZE, BUNDLED_SEED).to_csv(path, index=False, encoding="utf-8-sig")
    return path
