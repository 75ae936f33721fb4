"""Per-group summaries with one sort agree with numpy per group."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.grouped import group_summary


def test_hand_computed_quartiles_fences_and_means() -> None:
    # Group 0: 1, 2, 3, 4, 100 (100 is beyond q3 + 1.5 IQR = 4 + 3 = 7); group 1: 5 and
    # NaN and inf (left out); group 2: empty; -1 is not a group.
    values = np.array([3.0, 100.0, 1.0, 5.0, np.nan, 4.0, 2.0, np.inf, 9.0])
    labels = np.array([0, 0, 0, 1, 1, 0, 0, 1, -1])
    summary = group_summary(values, labels, 3)
    assert summary.n.tolist() == [5, 1, 0]
    np.testing.assert_allclose(summary.q1[:2], [2.0, 5.0])
    np.testing.assert_allclose(summary.median[:2], [3.0, 5.0])
    np.testing.assert_allclose(summary.q3[:2], [4.0, 5.0])
    np.testing.assert_allclose(summary.lower_fence[:2], [1.0, 5.0])
    np.testing.assert_allclose(summary.upper_fence[:2], [4.0, 5.0])
    np.testing.assert_allclose(summary.mean[:2], [22.0, 5.0])
    for name in ("q1", "median", "q3", "lower_fence", "upper_fence", "mean"):
        assert np.isnan(getattr(summary, name)[2])


def test_agrees_with_numpy_per_group_on_random_data() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(0, 1, 50_000)
    values[rng.integers(0, 50_000, 500)] = np.nan
    labels = rng.integers(-1, 7, 50_000)
    summary = group_summary(values, labels, 7)
    for group in range(7):
        members = values[(labels == group) & np.isfinite(values)]
        q1, median, q3 = np.percentile(members, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        assert summary.n[group] == members.size
        assert summary.q1[group] == pytest.approx(q1)
        assert summary.median[group] == pytest.approx(median)
        assert summary.q3[group] == pytest.approx(q3)
        assert summary.lower_fence[group] == members[members >= q1 - reach].min()
        assert summary.upper_fence[group] == members[members <= q3 + reach].max()
        assert summary.mean[group] == pytest.approx(members.mean())


@pytest.mark.parametrize(
    ("values", "labels", "n_groups", "message"),
    [
        (np.ones(3), np.zeros(2, int), 1, r"of one length"),
        (np.ones(3), np.zeros(3, int), 0, r"n_groups"),
    ],
)
def test_bad_input_is_named(values, labels, n_groups, message) -> None:
    with pytest.raises(ValueError, match=message):
        group_summary(values, labels, n_groups)
