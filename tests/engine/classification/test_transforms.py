"""Transforms before scaling: against numpy and scikit-learn, new rows, JSON, skewness."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.preprocessing import PowerTransformer

from components.engine.classification.transforms import (
    TRANSFORMS,
    FittedTransforms,
    fit_transforms,
    skewness_table,
)

NAMES = ("count", "signed", "power", "kept")


@pytest.fixture(scope="module")
def values() -> np.ndarray:
    generator = np.random.default_rng(0)
    return np.column_stack(
        [
            generator.lognormal(2.0, 1.0, 300),
            generator.normal(0.0, 5.0, 300),
            generator.exponential(3.0, 300) - 1.0,
            generator.normal(10.0, 1.0, 300),
        ]
    )


CHOICE = {"count": "log1p", "signed": "asinh", "power": "yeo-johnson"}


def test_each_transform_matches_numpy_and_scikit_learn(values: np.ndarray) -> None:
    fitted = fit_transforms(values, NAMES, CHOICE)
    assert fitted.transforms == ("log1p", "asinh", "yeo-johnson", "none")
    result = fitted.transform(values)
    np.testing.assert_allclose(result[:, 0], np.log1p(values[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(result[:, 1], np.arcsinh(values[:, 1]), rtol=1e-12)
    power = PowerTransformer(method="yeo-johnson", standardize=False).fit(values[:, [2]])
    assert fitted.lambdas[2] == pytest.approx(power.lambdas_[0], rel=1e-12)
    np.testing.assert_allclose(result[:, 2], power.transform(values[:, [2]])[:, 0], rtol=1e-10)
    np.testing.assert_array_equal(result[:, 3], values[:, 3])
    assert np.isnan([fitted.lambdas[0], fitted.lambdas[1], fitted.lambdas[3]]).all()


def test_new_rows_get_the_lambdas_fitted_on_the_training_rows(values: np.ndarray) -> None:
    train, test = values[:200], values[200:]
    fitted = fit_transforms(train, NAMES, CHOICE)
    whole = fitted.transform(values)
    np.testing.assert_array_equal(fitted.transform(test), whole[200:])
    refitted_on_test = fit_transforms(test, NAMES, CHOICE)
    assert refitted_on_test.lambdas[2] != pytest.approx(fitted.lambdas[2])


def test_dict_round_trip_through_json(values: np.ndarray) -> None:
    fitted = fit_transforms(values, NAMES, CHOICE)
    data = json.loads(json.dumps(fitted.to_dict(), allow_nan=False))
    assert data["lambdas"][0] is None and isinstance(data["lambdas"][2], float)
    restored = FittedTransforms.from_dict(data)
    assert restored.feature_names == fitted.feature_names
    assert restored.transforms == fitted.transforms
    np.testing.assert_array_equal(restored.transform(values), fitted.transform(values))


def test_from_dict_refuses_a_yeo_johnson_without_lambda() -> None:
    data = {"feature_names": ["a"], "transforms": ["yeo-johnson"], "lambdas": [None]}
    with pytest.raises(ValueError, match="'a' uses Yeo-Johnson but has no finite lambda"):
        FittedTransforms.from_dict(data)


def test_log1p_of_minus_two_names_the_column_and_the_way_out() -> None:
    values = np.array([[1.0, 0.0], [-2.0, 1.0], [3.0, 2.0]])
    with pytest.raises(ValueError) as error:
        fit_transforms(values, ["income", "other"], {"income": "log1p"})
    message = str(error.value)
    assert "'income'" in message and "minimum of -2" in message
    assert "choose the inverse hyperbolic sine or Yeo-Johnson" in message
    fitted = fit_transforms(values[[0, 2]], ["income", "other"], {"income": "log1p"})
    with pytest.raises(ValueError, match="'income' has a minimum of -2"):
        fitted.transform(values)


def test_unknown_names_and_bad_values_are_refused() -> None:
    values = np.array([[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError) as error:
        fit_transforms(values, ["a"], {"a": "sqrt"})
    assert "'sqrt'" in str(error.value) and all(name in str(error.value) for name in TRANSFORMS)
    with pytest.raises(ValueError, match=r"columns \['b'\] not among \['a'\]"):
        fit_transforms(values, ["a"], {"b": "log1p"})
    with pytest.raises(ValueError, match=r"Columns \['a'\] hold missing"):
        fit_transforms(np.array([[1.0], [np.nan]]), ["a"], {})
    with pytest.raises(ValueError, match="shape"):
        fit_transforms(values, ["a", "b"], {})


def test_skewness_of_a_toy_sample_by_hand() -> None:
    # x = 0, 0, 0, 3: mean 3/4; m2 = 27/16, m3 = 81/32, so g1 = m3 / m2^1.5 = 2/sqrt(3);
    # the adjusted G1 = g1 * sqrt(n (n - 1)) / (n - 2) = 2/sqrt(3) * sqrt(12) / 2 = 2.
    before = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [3.0, 1.0]])
    table = skewness_table(before, np.log1p(before), ["x", "constant"])
    assert list(table.columns) == ["feature", "skewness_before", "skewness_after"]
    assert table.loc[0, "skewness_before"] == pytest.approx(2.0)
    assert table.loc[0, "skewness_after"] == pytest.approx(
        stats.skew(np.log1p(before[:, 0]), bias=False)
    )
    assert table.loc[0, "skewness_after"] == pytest.approx(pd.Series(np.log1p(before[:, 0])).skew())
    assert np.isnan(table.loc[1, "skewness_before"]) and np.isnan(table.loc[1, "skewness_after"])


def test_skewness_table_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="same rows"):
        skewness_table(np.ones((4, 1)), np.ones((5, 1)), ["a"])
    with pytest.raises(ValueError, match="n_rows >= 3"):
        skewness_table(np.ones((2, 1)), np.ones((2, 1)), ["a"])


@pytest.mark.parametrize("transform", ["log1p", "asinh", "yeo-johnson"])
def test_transforms_reduce_the_skewness_of_population(
    housing_frame: pd.DataFrame, transform: str
) -> None:
    population = housing_frame[["population"]].to_numpy(dtype=float)
    fitted = fit_transforms(population, ["population"], {"population": transform})
    table = skewness_table(population, fitted.transform(population), ["population"])
    before, after = table.loc[0, ["skewness_before", "skewness_after"]]
    assert before > 1.0  # a long right tail
    assert abs(after) < abs(before)
