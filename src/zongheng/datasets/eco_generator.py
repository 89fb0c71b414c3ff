"""Synthetic eco demo data (生态文明监督指标演示数据，合成): the generator of ``eco_yongkang/``.

SYNTHETIC: these values are invented for demonstration. They have plausible
magnitudes and trends for the nine county-level units of 金华 (Jinhua), but
they are not statistics of any place. 永康市's series of a few indicators are
set by hand (see :data:`YONGKANG`) so that the demo shows every warning light.

Run ``python -m zongheng.datasets.eco_generator`` to rewrite the CSV files;
the same seed gives the same files (a test checks this).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["COUNTIES", "OTHERS", "SEED", "SPECS", "YEARS", "YONGKANG", "generate", "units_table",
           "write"]

SEED = 20250217  # the date of Zhejiang's rollout meeting (domain.md §2.1)
YEARS = tuple(range(2020, 2025))

# The county-level units of 金华市 and their 山区26县 flag, from the project's shared
# zhejiang_counties.csv (real list; only the indicator values below are synthetic).
COUNTIES: tuple[tuple[str, int], ...] = (
    ("婺城区", 0), ("金东区", 0), ("兰溪市", 0), ("东阳市", 0), ("义乌市", 0), ("永康市", 0),
    ("浦江县", 0), ("武义县", 1), ("磐安县", 1),
)


@dataclass(frozen=True)
class Spec:
    """How one indicator's synthetic series is drawn.

    value = base + spread·z(county) + mountain·flag + trend·(year − 2020) + noise·e,
    clipped to [low, high] and rounded to ``digits``; ``yes`` items are 1 with
    probability ``base``.
    """

    base: float
    spread: float = 0.0
    trend: float = 0.0
    noise: float = 0.0
    mountain: float = 0.0
    low: float = 0.0
    high: float = 100.0
    digits: int = 1
    yes: bool = False


SPECS: dict[str, Spec] = {
    "ENV01": Spec(32, 3, -1.0, 0.8, mountain=-6, high=80),          # PM2.5 µg/m³
    "ENV02": Spec(90, 3, 0.8, 1.2, mountain=4),                      # good-air days %
    "ENV03": Spec(1.5, 1, -0.3, 0.8, mountain=-1, high=30, digits=0),  # heavy-pollution days
    "ENV04": Spec(94, 4, 1.0, 1.5, mountain=3),                      # surface water ≥ III %
    "ENV05": Spec(0.5, 2, -0.5, 0.6),                                 # worse than V %
    "ENV06": Spec(99.6, 0.5, 0.2, 0.3),                               # drinking-water sources %
    "ENV07": Spec(91, 2, 0.8, 0.6),                                   # polluted farmland safe use %
    "SAF01": Spec(56, 8, 0.1, 0.05, mountain=18, digits=2),          # forest cover %
    "SAF02": Spec(0.97, yes=True),                                    # red line kept
    "SAF03": Spec(20, 4, 0.3, 0.2, mountain=8),                       # protected areas %
    "SAF04": Spec(91, 2, 0.4, 0.3, mountain=2),                       # soil and water conservation %
    "SAF05": Spec(-1.2, 0.5, 0, 0.6, high=5, digits=0),               # emergencies (mostly 0)
    "GRN01": Spec(3.2, 1.0, 0, 1.4, low=-10, high=20),                # energy per GDP reduction %
    "GRN02": Spec(3.8, 1.0, 0, 1.4, low=-10, high=20),                # CO2 per GDP reduction %
    "GRN03": Spec(30, 5, -1.5, 1.0, mountain=10, low=12, high=200),   # water per GDP m³/万元
    "GRN04": Spec(3.5, 1.2, 0, 1.5, low=-10, high=20),                # industrial energy reduction %
    "GRN05": Spec(18, 4, 1.2, 0.5, mountain=5),                       # non-fossil share %
    "GRN06": Spec(94, 3, 0.5, 0.8),                                   # industrial solid waste reuse %
    "LIV01": Spec(90, 5, 3.0, 1.0, mountain=-3),                      # waste sorting coverage %
    "LIV02": Spec(95.5, 1.5, 0.4, 0.4, mountain=-1),                  # urban sewage treatment %
    "LIV03": Spec(85, 5, 2.5, 1.0, mountain=-3),                      # rural sewage villages %
    "LIV04": Spec(92, 4, 2.0, 1.0),                                   # green buildings %
    "LIV05": Spec(62, 5, 1.8, 1.0, mountain=-4),                      # green travel %
    "INS01": Spec(20, 2, 0.3, 0.3, digits=0),                         # weight in assessment %
    "INS02": Spec(1.0, yes=True),                                     # river chiefs
    "INS03": Spec(97, 2, 1.0, 0.5),                                   # discharge permits %
    "INS04": Spec(88, 6, 3.0, 2.0),                                   # inspection findings fixed %
    "CUL01": Spec(82, 2, 0.6, 0.5, mountain=2, digits=2),             # public satisfaction score
    "CUL02": Spec(90, 5, 2.5, 1.5),                                   # officials trained %
    "CUL03": Spec(75, 4, 1.5, 1.0),                                   # public participation %
}

# 永康市's series set by hand (2020 … 2024) so that the 2024 lights show every case under the
# default rule (near 5 %, basis yoy): see docs/frameworks.md.
YONGKANG: dict[str, tuple[float, ...]] = {
    "ENV01": (33.0, 31.2, 30.4, 29.6, 28.9),    # ≤ 28 missed by 3.2 %, improving → yellow
    "ENV02": (90.4, 92.1, 93.2, 94.8, 92.6),    # ≥ 92 attained but fell → yellow
    "ENV03": (3, 2, 2, 0, 1),                   # ≤ 0 missed, worse → red
    "ENV04": (94.4, 97.2, 100, 100, 100),       # attained, same → green
    "GRN01": (3.6, 3.9, 2.8, 2.5, 1.2),         # ≥ 3 missed by 60 %, worse → red
    "GRN02": (4.1, 4.3, 3.4, 3.2, 3.9),         # ≥ 3.6 attained, better → green
    "LIV03": (78.0, 80.5, 83.0, 85.6, 88.1),    # ≥ 95 missed by 7.3 %, improving → red
    "CUL01": (81.20, 82.05, 82.90, 83.50, 84.10),  # ≥ 85 missed by 1.1 %, improving → yellow
    "SAF01": (51.02, 51.10, 51.16, 51.21, 51.25),  # ≥ 50 attained, better → green
    "SAF02": (1, 1, 1, 1, 1),
    "INS02": (1, 1, 1, 1, 1),
}

# One yes/no item not done elsewhere, so that the demo also has a red yes/no light.
OTHERS: dict[tuple[str, str], tuple[float, ...]] = {
    ("浦江县", "SAF02"): (1, 1, 1, 1, 0),
}


def generate(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic panel, wide: ``unit, year`` and one column per indicator code.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the default gives the bundled file.
    """
    rng = np.random.default_rng(seed)
    codes = list(SPECS)
    specs = [SPECS[c] for c in codes]
    n_y, n_c, n_i = len(YEARS), len(COUNTIES), len(codes)

    def column(field: str) -> np.ndarray:
        return np.array([getattr(s, field) for s in specs], dtype=np.float64)

    mountain_flag = np.array([m for _, m in COUNTIES], dtype=np.float64)[:, None]   # (C, 1)
    years = np.arange(n_y, dtype=np.float64)[:, None, None]                        # (Y, 1, 1)
    county_z = rng.standard_normal((n_c, n_i))
    noise = rng.standard_normal((n_y, n_c, n_i))
    values = (column("base") + column("spread") * county_z + column("mountain") * mountain_flag
              + column("trend") * years + column("noise") * noise)
    values = np.clip(values, column("low"), column("high"))
    scale = 10.0 ** column("digits")
    values = np.round(values * scale) / scale + 0.0  # + 0.0 turns -0.0 into 0.0

    is_yes = np.array([s.yes for s in specs])
    draws = rng.random((n_y, n_c, n_i)) < column("base")
    values = np.where(is_yes, draws.astype(np.float64), values)

    names = [name for name, _ in COUNTIES]
    for (county, code), series in {**{("永康市", c): v for c, v in YONGKANG.items()},
                                   **OTHERS}.items():
        values[:, names.index(county), codes.index(code)] = series

    frame = pd.DataFrame(values.reshape(n_y * n_c, n_i), columns=codes)
    frame.insert(0, "year", np.repeat(YEARS, n_c))
    frame.insert(0, "unit", [name for name, _ in COUNTIES] * n_y)
    whole = [c for c, s in zip(codes, specs, strict=True) if s.digits == 0 or s.yes]
    frame[whole] = frame[whole].astype("int64")
    return frame.sort_values(["unit", "year"], kind="stable", key=_county_order).reset_index(
        drop=True)


def _county_order(column: pd.Series) -> pd.Series:
    if column.name == "unit":
        order = {name: i for i, (name, _) in enumerate(COUNTIES)}
        return column.map(order)
    return column


def units_table() -> pd.DataFrame:
    """Return the unit table: ``unit, name, prefecture, mountain26`` (real, not synthetic)."""
    return pd.DataFrame({"unit": [n for n, _ in COUNTIES], "name": [n for n, _ in COUNTIES],
                         "prefecture": "金华市", "mountain26": [m for _, m in COUNTIES]})


def write(folder: str | Path | None = None, seed: int = SEED) -> list[Path]:
    """Write ``data.csv`` and ``units.csv`` into ``folder`` (the bundled dataset by default)."""
    folder = Path(folder) if folder is not None else Path(__file__).parent / "eco_yongkang"
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "data.csv", folder / "units.csv"]
    generate(seed).to_csv(written[0], index=False, lineterminator="\n")
    units_table().to_csv(written[1], index=False, lineterminator="\n")
    return written


if __name__ == "__main__":  # pragma: no cover
    write()
