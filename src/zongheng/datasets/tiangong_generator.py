"""天工鼎演示数据生成器 (synthetic demo data for the 天工鼎 evaluation of Zhejiang's counties).

The 90 county-level units are real (names, 设区市, 山区26县 from the units table); every
indicator value is **synthetic**, drawn from a seeded model so that the data look like county
statistics without being any county's figures:

- each county has four correlated latent factors — industrial strength, innovation, green
  efficiency and governance — with a prefecture-level mean (宁波, 嘉兴, 杭州 … above 丽水, 衢州)
  and a lower mean for the 山区26县;
- a momentum factor moves innovation, efficiency and governance up or down over the years, so
  counties climb and slip in the ranking;
- every indicator is a function of the factors with its own magnitude and unit, a common year
  effect (2020 weak, 2021 rebound …) and noise that persists within a county;
- 规上工业增加值 compounds its own growth rate, so the level and the 增速 indicator agree;
- a few cells are left missing, as in real submissions;
- 工业大县 is set by a threshold on the generated 2023 规上工业总产值 (:data:`INDUSTRIAL_THRESHOLD`).

Run ``python -m zongheng.datasets.tiangong_generator`` to rewrite ``tiangong_demo/data.csv`` and
``tiangong_demo/units.csv``; the same seed gives the same files byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "INDICATORS",
    "INDUSTRIAL_THRESHOLD",
    "PERIODS",
    "SEED",
    "generate",
    "read_counties",
    "write",
]

SEED = 20230518  # the day the first 天工鼎 were handed out
PERIODS = (2020, 2021, 2022, 2023, 2024)
FOLDER = Path(__file__).parent / "tiangong_demo"

# 工业大县: 规上工业总产值 of the year before the list (2023) at or above this (亿元). The real
# threshold (500亿 in 2012, adjusted in 2020 and 2024, domain.md §1.4) is not published; 600亿
# puts about half of the 90 counties in the group, as the 45 工业大县 of the 2025 list.
INDUSTRIAL_THRESHOLD = 600.0
INDUSTRIAL_YEAR = 2023

# Columns: industrial strength, innovation, green efficiency, governance.
FACTORS = ("strength", "innovation", "green", "governance")
_CORRELATION = np.array([
    [1.0, 0.55, 0.30, 0.25],
    [0.55, 1.0, 0.40, 0.30],
    [0.30, 0.40, 1.0, 0.25],
    [0.25, 0.30, 0.25, 1.0],
])
# Mean industrial strength by prefecture (a rough picture of Zhejiang's industrial geography);
# innovation takes half of it, and the 山区26县 are shifted down on every factor.
_PREFECTURE_STRENGTH = {
    "宁波市": 0.8, "嘉兴市": 0.6, "杭州市": 0.5, "绍兴市": 0.5, "湖州市": 0.3, "台州市": 0.2,
    "温州市": 0.2, "金华市": 0.1, "舟山市": -0.3, "衢州市": -0.3, "丽水市": -0.5,
}
_MOUNTAIN_SHIFT = np.array([-0.9, -0.5, -0.2, -0.1])

# The 保三争二 scenario of the demo: the factors of 永康市 and of its two close peers in 金华
# (义乌市 and 东阳市, domain.md §5.5) are set, not drawn, so that 永康 sits 3rd–5th of the 9 units
# of 金华 in 2024, 1–2 points below 2nd and just above 4th (tests/test_tiangong.py checks
# it). Every other county is drawn.
SCENARIO: dict[str, dict] = {
    "永康市": {"factors": (0.55, 0.35, 0.3, 0.7), "momentum": 0.8},
    "义乌市": {"factors": (0.9, 0.7, 0.5, 1.1), "momentum": 0.4},
    "东阳市": {"factors": (0.6, 0.5, 0.4, 0.8), "momentum": 0.3},
}

# Common year effect on growth rates (percentage points): 2020 epidemic, 2021 rebound …
_YEAR_GROWTH = np.array([-3.5, 6.0, -2.0, 0.0, 1.0])

# Indicator codes in framework order, and decimals written for each.
INDICATORS: dict[str, int] = {
    "Q01": 1, "Q02": 2, "Q03": 1, "Q04": 2, "Q05": 0, "Q06": 0, "Q07": 1, "Q08": 0, "Q09": 0,
    "Q10": 0, "Q11": 1,
    "E01": 2, "E02": 2, "E03": 1, "E04": 3, "E05": 1, "E06": 2, "E07": 1, "E08": 0, "E09": 2,
    "E10": 2,
    "D01": 2, "D02": 1, "D03": 1, "D04": 2, "D05": 0, "D06": 1, "D07": 1, "D08": 1, "D09": 1,
    "D10": 1, "D11": 0,
    **{f"W{k:02d}": 1 for k in range(1, 11)},
}
N_MISSING = 14


def read_counties(path: str | Path | None = None) -> pd.DataFrame:
    """Read the county list (县市区名单): ``地区, 设区市, 山区26县``.

    Parameters
    ----------
    path : path, optional
        The demo's ``units.csv`` (default), or the shared ``zhejiang_counties.csv`` with columns
        ``county, prefecture, mountain26``.

    Returns
    -------
    DataFrame
        One row per unit, in file order.
    """
    frame = pd.read_csv(path or FOLDER / "units.csv", dtype=str, encoding="utf-8-sig")
    frame = frame.rename(columns={"county": "地区", "prefecture": "设区市", "mountain26": "山区26县"})
    out = frame[["地区", "设区市", "山区26县"]].copy()
    out["山区26县"] = out["山区26县"].astype(int)
    return out.reset_index(drop=True)


def _factors(counties: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return latent factors ``(unit, 4)`` and momentum ``(unit,)`` of every county."""
    n = len(counties)
    strength = counties["设区市"].map(_PREFECTURE_STRENGTH).fillna(0.0).to_numpy()
    mean = np.column_stack([strength, 0.5 * strength, np.zeros(n), np.zeros(n)])
    mean = mean + counties["山区26县"].to_numpy()[:, None] * _MOUNTAIN_SHIFT
    draws = rng.standard_normal((n, 4)) @ np.linalg.cholesky(_CORRELATION).T
    factors = mean + 0.75 * draws
    momentum = rng.standard_normal(n)
    names = counties["地区"].to_numpy()
    for unit, spec in SCENARIO.items():
        hit = names == unit
        factors[hit] = spec["factors"]
        momentum[hit] = spec["momentum"]
    return factors, momentum


def _persistent(rng: np.random.Generator, shape: tuple[int, int], sd: float,
                rho: float = 0.7) -> np.ndarray:
    """Return noise ``(period, unit)`` whose share ``rho`` of the variance stays with the county."""
    county = rng.standard_normal(shape[1])
    year = rng.standard_normal(shape)
    return sd * (np.sqrt(rho) * county[None, :] + np.sqrt(1 - rho) * year)


def _poisson(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    return rng.poisson(np.maximum(rate, 0.0)).astype(float)


def generate(counties: pd.DataFrame | None = None, seed: int = SEED) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Generate the synthetic 天工鼎 panel (生成合成演示数据).

    Parameters
    ----------
    counties : DataFrame, optional
        ``地区, 设区市, 山区26县`` per unit; :func:`read_counties` by default.
    seed : int
        Seed of the random generator; the same seed gives the same data.

    Returns
    -------
    data : DataFrame
        Wide: ``地区, 年份, 规上工业总产值`` and one column per indicator code, a row per unit and
        year (unit-major), NaN where a cell is missing.
    units : DataFrame
        ``地区, 设区市, 山区26县, 工业大县``.
    """
    counties = read_counties() if counties is None else counties.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    n_p, n_u = len(PERIODS), len(counties)
    shape = (n_p, n_u)
    factors, momentum = _factors(counties, rng)
    t = np.arange(n_p, dtype=float)[:, None]
    # Factors over time: momentum moves innovation, green efficiency and governance.
    drift = np.array([0.0, 0.10, 0.08, 0.12])
    f = factors[None, :, :] + t[:, :, None] * momentum[None, :, None] * drift
    s, i, g, v = (f[..., k] for k in range(4))

    def noise(sd: float, rho: float = 0.7) -> np.ndarray:
        return _persistent(rng, shape, sd, rho)

    x: dict[str, np.ndarray] = {}
    # 规上工业增加值 (亿元): a 2019 level from strength, compounded by the year's growth rate.
    growth = 7.0 + _YEAR_GROWTH[:, None] + 1.5 * i + 1.0 * momentum + noise(2.0, 0.4)
    level_2019 = 95.0 * np.exp(0.9 * factors[:, 0] + 0.25 * rng.standard_normal(n_u))
    va = level_2019 * np.cumprod(1 + growth / 100, axis=0)
    x["Q02"], x["Q03"] = va, growth
    va_rate = np.clip(0.21 + 0.02 * rng.standard_normal(n_u), 0.15, 0.28)
    output = va / va_rate[None, :]

    x["Q01"] = 8 + 42 / (1 + np.exp(-(1.1 * s + 0.4))) + noise(3.0)
    x["Q04"] = np.clip(6.5 + 1.2 * i + 0.8 * g + 0.6 * _YEAR_GROWTH[:, None] / 3 + noise(1.0),
                       0.5, None)
    x["Q05"] = _poisson(rng, np.exp(0.6 + 0.6 * s + 0.6 * i))
    x["Q06"] = np.round(np.exp(1.6 + 0.7 * s + 0.3 * i + noise(0.3, 0.9)) * (1 + 0.15 * t))
    x["Q07"] = 70 * np.exp(0.45 * i + noise(0.25)) * 1.08 ** t
    x["Q08"] = np.round(np.exp(2.8 + 0.6 * s + 0.4 * i + noise(0.2, 0.9)) * (1 + 0.2 * t))
    x["Q09"] = np.round(np.exp(0.3 + 0.8 * s + 0.4 * i + noise(0.3, 0.9)) * (1 + 0.1 * t))
    x["Q10"] = _poisson(rng, np.exp(3.3 + 0.6 * s + 0.2 * v))
    x["Q11"] = 5 + 3 * i + 1.5 * _YEAR_GROWTH[:, None] + noise(10.0, 0.3)

    x["E01"] = 25 * np.exp(0.25 * s + 0.2 * i + 0.15 * g + noise(0.1)) * 1.06 ** t
    x["E02"] = 85 - 1.2 * i - 0.8 * g + noise(1.0)
    x["E03"] = 10 + 4 * i + 3 * v + 1.5 * _YEAR_GROWTH[:, None] + noise(9.0, 0.3)
    x["E04"] = 0.6 * np.exp(-0.35 * g + noise(0.3, 0.85)) * 0.96 ** t
    x["E05"] = 120 * np.exp(0.3 * s + 0.3 * g + 0.2 * i + noise(0.15)) * 1.05 ** t
    x["E06"] = x["E05"] * 0.2 * np.exp(0.1 * g + noise(0.1))
    x["E07"] = np.clip(10 + 3 * g + 2 * i + noise(2.0), 1, None)
    x["E08"] = np.exp(6.0 + 0.4 * s + 0.3 * v + noise(0.5, 0.4))
    x["E09"] = 12 * np.exp(-0.3 * g + noise(0.3, 0.85)) * 0.95 ** t
    x["E10"] = 8 + 1.2 * i + 0.8 * g + noise(1.2)

    x["D01"] = 2.2 * np.exp(0.3 * i + noise(0.12))
    x["D02"] = np.clip(55 + 12 * i + noise(5.0), 15, 95)
    x["D03"] = 8 * np.exp(0.5 * i + 0.2 * s + noise(0.2))
    x["D04"] = va * 0.35 * np.exp(0.1 * v + noise(0.25, 0.5))
    x["D05"] = _poisson(rng, np.exp(-0.3 + 1.0 * s + 0.2 * i) * (1 + 0.05 * t))
    x["D06"] = np.clip(35 + 6 * s + noise(9.0, 0.4), 5, 85)
    x["D07"] = np.clip(25 + 6 * s + noise(6.0), 5, 70)
    x["D08"] = 12 + 4 * i + 3 * v + 1.5 * _YEAR_GROWTH[:, None] + noise(10.0, 0.3)
    x["D09"] = np.clip(30 + 9 * i + 1.5 * t + noise(5.0), 5, 80)
    x["D10"] = np.clip(40 + 10 * i + 8 * t + noise(6.0), 5, 100)
    x["D11"] = _poisson(rng, np.exp(0.4 + 0.6 * s + 0.3 * v))

    # 工作评价: the lead department's 0–100 score, mostly on governance.
    for k in range(1, 11):
        x[f"W{k:02d}"] = np.clip(86 + 4.5 * v + 1.2 * s + noise(4.0, 0.5), 60, 100)

    values = np.stack([np.round(x[c], d) for c, d in INDICATORS.items()], axis=-1)
    # A few missing cells, as in real submissions (never a whole series of a unit).
    flat = rng.choice(values.size, size=N_MISSING, replace=False)
    values.reshape(-1)[flat] = np.nan

    # Unit-major rows: (unit, period).
    data = pd.DataFrame(values.transpose(1, 0, 2).reshape(n_u * n_p, -1), columns=list(INDICATORS))
    data.insert(0, "规上工业总产值", np.round(output.T.reshape(-1), 1))
    data.insert(0, "年份", np.tile(np.asarray(PERIODS), n_u))
    data.insert(0, "地区", np.repeat(counties["地区"].to_numpy(), n_p))
    for code, decimals in INDICATORS.items():
        if decimals == 0:
            data[code] = data[code].astype("Int64")

    big = output[PERIODS.index(INDUSTRIAL_YEAR)] >= INDUSTRIAL_THRESHOLD
    units = counties[["地区", "设区市", "山区26县"]].copy()
    units["工业大县"] = big.astype(int)
    return data, units


def write(folder: str | Path = FOLDER, seed: int = SEED,
          counties: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``data.csv`` and ``units.csv`` of the demo into ``folder`` (写出演示数据).

    Parameters
    ----------
    folder : path
        Where to write; the bundled ``tiangong_demo`` folder by default.
    seed : int
        Seed of the random generator.
    counties : path, optional
        County list to start from (see :func:`read_counties`); the bundled units by default.

    Returns
    -------
    tuple of Path
        The data and units files written.
    """
    folder = Path(folder)
    data, units = generate(read_counties(counties), seed)
    folder.mkdir(parents=True, exist_ok=True)
    data_path, units_path = folder / "data.csv", folder / "units.csv"
    data.to_csv(data_path, index=False, encoding="utf-8", lineterminator="\n")
    units.to_csv(units_path, index=False, encoding="utf-8", lineterminator="\n")
    return data_path, units_path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rewrite the demo's CSV files (``python -m zongheng.datasets.tiangong_generator``)."""
    parser = argparse.ArgumentParser(
        prog="python -m zongheng.datasets.tiangong_generator",
        description="天工鼎演示数据为合成数据 (synthetic demo data): rewrite data.csv and units.csv.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=FOLDER, help="folder to write (default: bundled)")
    parser.add_argument("--counties", type=Path, default=None,
                        help="county list, e.g. zhejiang_counties.csv (default: bundled units.csv)")
    args = parser.parse_args(argv)
    data_path, units_path = write(args.out, args.seed, args.counties)
    sys.stdout.write(f"演示数据为合成数据 (synthetic demo data): {data_path}, {units_path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
