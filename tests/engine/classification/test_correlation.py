"""Correlated pairs: the matrices against pandas and scipy, and which variable to drop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from components.engine.classification.correlation import correlations


@pytest.fixture(scope="module")
def toy() -> np.ndarray:
    generator = np.random.default_rng(0)
    x = generator.normal(size=2000)
    return np.column_stack([x, 2.0 * x, generator.normal(size=2000), np.exp(2.0 * x)])


NAMES = ["x", "twice_x", "independent", "exp_x"]


def test_hand_known_correlations(toy: np.ndarray) -> None:
    result = correlations(toy, NAMES)
    assert result.pearson.loc["x", "twice_x"] == pytest.approx(1.0)
    assert result.spearman.loc["x", "exp_x"] == pytest.approx(1.0)  # monotonic, not linear
    assert result.pearson.loc["x", "exp_x"] < 0.8
    assert abs(result.pearson.loc["x", "independent"]) < 0.1  # 2000 rows: |r| ~ 1/sqrt(n)
    assert abs(result.spearman.loc["x", "independent"]) < 0.1


def test_matrices_match_pandas_and_scipy(toy: np.ndarray) -> None:
    result = correlations(toy, NAMES)
    frame = pd.DataFrame(toy, columns=NAMES)
    pd.testing.assert_frame_equal(result.pearson, frame.corr(method="pearson"))
    pd.testing.assert_frame_equal(result.spearman, frame.corr(method="spearman"))
    np.testing.assert_allclose(result.spearman.to_numpy(), stats.spearmanr(toy).statistic)
    assert result.pearson.loc["x", "independent"] == pytest.approx(
        stats.pearsonr(toy[:, 0], toy[:, 2]).statistic
    )


def test_pairs_flagged_by_either_measure(toy: np.ndarray) -> None:
    result = correlations(toy, NAMES)
    flagged = {(pair.first, pair.second) for pair in result.pairs}
    # exp_x is flagged by Spearman alone (rank correlation 1, Pearson below 0.8).
    assert flagged == {("x", "twice_x"), ("x", "exp_x"), ("twice_x", "exp_x")}
    assert correlations(toy, NAMES, threshold=1.0).pairs[0].first == "x"


def test_drop_rule_on_three_variables() -> None:
    # a and b are both strongly correlated with each other; b also follows c, a does not:
    # b has the larger mean absolute correlation with the others, so b is dropped.
    generator = np.random.default_rng(1)
    a, c = generator.normal(size=(2, 5000))
    b = a + 0.5 * c
    result = correlations(np.column_stack([a, b, c]), ["a", "b", "c"], threshold=0.85)
    assert [(pair.first, pair.second, pair.drop) for pair in result.pairs] == [("a", "b", "b")]
    # Reversing the order changes nothing but the order of the pair.
    reversed_result = correlations(np.column_stack([c, b, a]), ["c", "b", "a"], threshold=0.85)
    assert [(p.first, p.second, p.drop) for p in reversed_result.pairs] == [("b", "a", "b")]


def test_a_tie_drops_the_later_one() -> None:
    x = np.arange(10.0)
    result = correlations(np.column_stack([x, 3.0 * x]), ["first", "second"])
    assert result.pairs[0].drop == "second"


def test_latitude_and_longitude_are_never_dropped() -> None:
    generator = np.random.default_rng(2)
    latitude, noise = generator.normal(size=(2, 1000))
    # "latitude" also follows the noise in "income", so it has the larger mean absolute
    # correlation and would be the one dropped on the numbers alone.
    values = np.column_stack([latitude, 1.01 * latitude + 0.01 * noise, -latitude, noise])
    names = ["rooms", "latitude", "longitude", "income"]
    result = correlations(values, names)
    drops = {(pair.first, pair.second): pair.drop for pair in result.pairs}
    assert drops == {
        ("rooms", "latitude"): "rooms",
        ("rooms", "longitude"): "rooms",
        ("latitude", "longitude"): None,
    }


def test_a_constant_column_is_nan_and_never_flagged() -> None:
    x = np.arange(6.0)
    result = correlations(np.column_stack([x, np.ones(6), x**2]), ["x", "constant", "square"])
    assert np.isnan(result.pearson.loc["x", "constant"])
    assert np.isnan(result.spearman.loc["constant", "square"])
    assert [(pair.first, pair.second) for pair in result.pairs] == [("x", "square")]


@pytest.mark.parametrize("threshold", [0.0, -0.5, 1.5])
def test_threshold_out_of_range(threshold: float) -> None:
    with pytest.raises(ValueError, match=r"threshold=.* expected a number in \(0, 1\]"):
        correlations(np.ones((3, 2)), ["a", "b"], threshold=threshold)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 features"):
        correlations(np.ones((3, 1)), ["a"])
    with pytest.raises(ValueError, match="repeat a name"):
        correlations(np.ones((3, 2)), ["a", "a"])
    with pytest.raises(ValueError, match="missing or infinite"):
        correlations(np.array([[1.0, np.inf], [2.0, 3.0]]), ["a", "b"])


def test_housing_latitude_longitude_pair_proposes_no_drop(housing_frame: pd.DataFrame) -> None:
    names = ["latitude", "longitude", "total_rooms", "households", "median_income"]
    result = correlations(housing_frame[names].to_numpy(dtype=float), names)
    drops = {(pair.first, pair.second): pair.drop for pair in result.pairs}
    assert drops[("latitude", "longitude")] is None  # r = -0.92 in California
    assert drops[("total_rooms", "households")] in {"total_rooms", "households"}
