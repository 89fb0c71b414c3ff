"""Outlier detection (离群值): robust z on the log scale against peers and own history, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zongheng.platform.services.checks.outliers import history_outliers, peer_outliers


def test_a_log_normal_peer_set_flags_nothing_on_the_log_scale_but_two_on_the_plain_scale():
    # Seven counties at 1, 3, 9, …, 729 (a geometric series: log-normal-like, heavily skewed).
    # Log scale (units of ln 3): 0…6, median 3, |deviations| 3 2 1 0 1 2 3 → MAD 2;
    #   the largest |z| = 0.6745·3/2 = 1.01175: nothing is flagged, rightly.
    # Plain scale: median 27; |deviations| 26 24 18 0 54 216 702 → sorted median 26;
    #   z(243) = 0.6745·216/26 = 5.60354, z(729) = 0.6745·702/26 = 18.2115: two flagged.
    values = np.array([1, 3, 9, 27, 81, 243, 729], float)[:, None]
    log = peer_outliers(values)
    assert log.log_scale.all() and not log.flagged.any()
    assert log.z[:, 0] == pytest.approx([-1.01175, -0.6745, -0.33725, 0, 0.33725, 0.6745, 1.01175])
    plain = peer_outliers(values, scale="plain")
    assert plain.z[5, 0] == pytest.approx(0.6745 * 216 / 26)
    assert plain.z[6, 0] == pytest.approx(0.6745 * 702 / 26)
    assert plain.flagged[:, 0].tolist() == [False] * 5 + [True, True]


def test_one_county_far_above_its_peers_is_flagged_with_its_hand_computed_z():
    # ln of 1 2 3 4 100; median ln 3; |deviations| ln3, ln1.5, 0, ln(4/3), ln(100/3) → median ln 1.5.
    # z(100) = 0.6745·ln(100/3)/ln(1.5) = 5.8332; z(1) = −0.6745·ln 3/ln 1.5 = −1.8276.
    out = peer_outliers(np.array([[1.0], [2.0], [3.0], [4.0], [100.0]]))
    assert out.z[4, 0] == pytest.approx(0.6745 * math.log(100 / 3) / math.log(1.5))
    assert out.z[0, 0] == pytest.approx(-0.6745 * math.log(3) / math.log(1.5))
    assert out.flagged[:, 0].tolist() == [False, False, False, False, True]
    assert out.median[4, 0] == 3.0 and out.count[4, 0] == 5


def test_a_zero_among_the_peers_means_the_plain_scale():
    # 0 1 2 3 4 50: median 2.5; |deviations| 2.5 1.5 .5 .5 1.5 47.5 → median 1.5.
    # z(50) = 0.6745·47.5/1.5 = 21.359; z(0) = 0.6745·(−2.5)/1.5 = −1.1242.
    out = peer_outliers(np.array([0, 1, 2, 3, 4, 50], float)[:, None])
    assert not out.log_scale.any()
    assert out.z[5, 0] == pytest.approx(0.6745 * 47.5 / 1.5)
    assert out.z[0, 0] == pytest.approx(-0.6745 * 2.5 / 1.5)


def test_vectorised_over_indicators_with_missing_values_too_few_peers_and_a_zero_mad():
    values = np.array([
        # a: as above    b: four values only   c: all equal (MAD 0)
        [1.0, 5.0, 7.0],
        [2.0, 6.0, 7.0],
        [3.0, np.nan, 7.0],
        [4.0, 7.0, 7.0],
        [100.0, 90.0, 7.0],
    ])
    out = peer_outliers(values, threshold=3.5, min_peers=5)
    assert out.flagged[:, 0].tolist() == [False, False, False, False, True]
    assert np.isnan(out.z[:, 1]).all() and np.isnan(out.z[:, 2]).all()
    assert out.count[0].tolist() == [5, 4, 5]
    # With four peers enough, column b is judged: ln 5 6 7 90, median ln √42, and so on.
    b = peer_outliers(values, min_peers=4)
    logs = np.log([5.0, 6.0, 7.0, 90.0])
    med = np.median(logs)
    mad = np.median(np.abs(logs - med))
    assert b.z[4, 1] == pytest.approx(0.6745 * (math.log(90) - med) / mad)
    assert np.isnan(b.z[2, 1])                      # its own value is missing


def test_the_threshold_is_configurable():
    values = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    assert not peer_outliers(values, threshold=6.0).flagged.any()      # z(100) = 5.83 < 6


def test_a_value_far_below_the_regions_own_history():
    # Past 100 110 90 105, now 37. ln-median = (ln 100 + ln 105)/2 = ln 102.4695;
    # |deviations| 0.02440 0.02440 0.07091 0.12978 → MAD (0.02440 + 0.07091)/2 = 0.047655;
    # z = 0.6745·(ln 37 − ln 102.4695)/0.047655 = −14.418.
    out = history_outliers(np.array([100, 110, 90, 105], float)[:, None, None], np.array([[37.0]]))
    centre = (math.log(100) + math.log(105)) / 2
    mad = (abs(math.log(100) - centre) + abs(math.log(110) - centre)) / 2
    assert out.z[0, 0] == pytest.approx(0.6745 * (math.log(37) - centre) / mad)
    assert out.z[0, 0] == pytest.approx(-14.418, abs=1e-3)
    assert out.flagged[0, 0] and out.median[0, 0] == 102.5 and out.count[0, 0] == 4


def test_history_needs_three_points_and_is_vectorised_over_regions_and_indicators():
    # (periods, regions, indicators): region 0 has 3 past values of both indicators, region 1 two.
    history = np.array([
        [[10.0, 1.0], [5.0, 2.0]],
        [[11.0, 2.0], [6.0, 2.0]],
        [[12.0, 3.0], [np.nan, np.nan]],
    ])
    current = np.array([[40.0, 2.0], [60.0, 2.0]])
    out = history_outliers(history, current)
    # Region 0, indicator 0: ln 10 11 12, median ln 11, MAD = min(ln 1.1, ln(12/11)) = ln(12/11);
    # z(40) = 0.6745·ln(40/11)/ln(12/11) = 10.01 → flagged. Indicator 1: 1 2 3 and now 2 → z = 0.
    assert out.z[0, 0] == pytest.approx(0.6745 * math.log(40 / 11) / math.log(12 / 11))
    assert out.flagged[0].tolist() == [True, False] and out.z[0, 1] == 0
    assert np.isnan(out.z[1]).all()                 # region 1: only two past values
    assert np.isnan(history_outliers(history, current, min_history=4).z).all()


def test_a_negative_current_value_compares_on_the_plain_scale():
    # Past 1 2 3, now −5: plain median 2, MAD 1; z = 0.6745·(−7)/1 = −4.7215.
    out = history_outliers(np.array([1.0, 2.0, 3.0])[:, None, None], np.array([[-5.0]]))
    assert not out.log_scale[0, 0]
    assert out.z[0, 0] == pytest.approx(-4.7215)
