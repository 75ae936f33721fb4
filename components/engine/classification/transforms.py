"""Transform skewed variables before scaling, as a geographic classification does.

Pure Python (no Streamlit). Counts such as population are strongly right-skewed: a few
places hold most of the spread, so after z-scoring they dominate k-means distances. A
transform per variable pulls the long tail in first; the rescale comes after, separately.

- ``log1p``: ``log(1 + x)``, for values above -1 (counts, amounts).
- ``asinh``: the inverse hyperbolic sine, like a log for large values but defined for all
  values, negative ones included.
- ``yeo-johnson``: the Yeo-Johnson power transform, whose exponent (lambda) is fitted per
  variable by maximum likelihood (scikit-learn's ``PowerTransformer``).

A fit keeps each variable's lambda, so :meth:`FittedTransforms.transform` applies the same
transform to new rows (a test split, or a saved model) and :meth:`FittedTransforms.to_dict`
writes it as plain JSON values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.preprocessing import PowerTransformer

TRANSFORMS: dict[str, str] = {
    "none": "None",
    "log1p": "log(1 + x)",
    "asinh": "Inverse hyperbolic sine",
    "yeo-johnson": "Yeo-Johnson (power transform)",
}


def _check_values(
    values: np.ndarray, feature_names: tuple[str, ...], transforms: tuple[str, ...]
) -> np.ndarray:
    """The values as a float matrix, or a ValueError on a bad shape or value."""
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(feature_names) or matrix.shape[0] == 0:
        raise ValueError(
            f"values has shape {matrix.shape}; expected (n_rows >= 1, {len(feature_names)}) "
            "to match the feature names."
        )
    not_finite = np.flatnonzero(~np.isfinite(matrix).all(axis=0))
    if not_finite.size:
        bad = [feature_names[column] for column in not_finite]
        raise ValueError(
            f"Columns {bad} hold missing or infinite values; remove or fill them first."
        )
    for column, (name, transform) in enumerate(zip(feature_names, transforms, strict=True)):
        minimum = float(matrix[:, column].min())
        if transform == "log1p" and minimum <= -1.0:
            raise ValueError(
                f"log(1 + x) needs values above -1, but column {name!r} has a minimum of "
                f"{minimum:g}; choose the inverse hyperbolic sine or Yeo-Johnson, which "
                "accept negative values."
            )
    return matrix


@dataclass(frozen=True)
class FittedTransforms:
    """The transform of each variable, with its fitted Yeo-Johnson lambda.

    Attributes
    ----------
    feature_names : tuple[str, ...]
        The variables, in the order of the columns.
    transforms : tuple[str, ...]
        Each variable's transform, a key of :data:`TRANSFORMS`.
    lambdas : tuple[float, ...]
        Each variable's Yeo-Johnson lambda; NaN for the other transforms.
    """

    feature_names: tuple[str, ...]
    transforms: tuple[str, ...]
    lambdas: tuple[float, ...]

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Apply the fitted transforms to rows (the fitted rows or new ones).

        Parameters
        ----------
        values : numpy.ndarray
            Finite array of shape (n_rows, n_features), columns in :attr:`feature_names` order.

        Returns
        -------
        numpy.ndarray
            The transformed float array, of the same shape.

        Raises
        ------
        ValueError
            On a shape that does not match, non-finite values, or values a transform does
            not accept (log(1 + x) of a value at or below -1).
        """
        matrix = _check_values(values, self.feature_names, self.transforms)
        result = matrix.copy()
        for column, (transform, lambda_) in enumerate(
            zip(self.transforms, self.lambdas, strict=True)
        ):
            if transform == "log1p":
                result[:, column] = np.log1p(matrix[:, column])
            elif transform == "asinh":
                result[:, column] = np.arcsinh(matrix[:, column])
            elif transform == "yeo-johnson":
                # The same formula as scikit-learn's PowerTransformer, at the fitted lambda.
                result[:, column] = stats.yeojohnson(matrix[:, column], lmbda=lambda_)
        return result

    def to_dict(self) -> dict[str, Any]:
        """The fit as plain JSON values (lists of str and float; a missing lambda is None).

        Returns
        -------
        dict
            Keys ``feature_names``, ``transforms`` and ``lambdas``.
        """
        return {
            "feature_names": list(self.feature_names),
            "transforms": list(self.transforms),
            "lambdas": [None if math.isnan(value) else value for value in self.lambdas],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FittedTransforms:
        """Rebuild a fit written by :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            As :meth:`to_dict` returns it.

        Returns
        -------
        FittedTransforms
            The same fit.

        Raises
        ------
        ValueError
            When the lists differ in length, a transform is unknown, or a Yeo-Johnson
            variable has no lambda.
        """
        names = tuple(str(name) for name in data["feature_names"])
        transforms = tuple(str(name) for name in data["transforms"])
        lambdas = tuple(math.nan if value is None else float(value) for value in data["lambdas"])
        if not len(names) == len(transforms) == len(lambdas):
            raise ValueError(
                f"feature_names, transforms and lambdas have lengths {len(names)}, "
                f"{len(transforms)} and {len(lambdas)}; expected one entry per feature."
            )
        unknown = sorted(set(transforms) - set(TRANSFORMS))
        if unknown:
            raise ValueError(f"Transforms {unknown} are not among {list(TRANSFORMS)}.")
        for name, transform, lambda_ in zip(names, transforms, lambdas, strict=True):
            if transform == "yeo-johnson" and not math.isfinite(lambda_):
                raise ValueError(f"Column {name!r} uses Yeo-Johnson but has no finite lambda.")
        return cls(names, transforms, lambdas)


def fit_transforms(
    values: np.ndarray, feature_names: Sequence[str], transforms: Mapping[str, str]
) -> FittedTransforms:
    """Fit a transform per variable (the Yeo-Johnson lambdas) on the given rows.

    Parameters
    ----------
    values : numpy.ndarray
        Finite array of shape (n_rows, n_features).
    feature_names : sequence of str
        Names of the columns of ``values``.
    transforms : mapping of str to str
        Transform (a key of :data:`TRANSFORMS`) per feature name; a feature absent from
        it is left as it is ("none").

    Returns
    -------
    FittedTransforms
        The transforms and lambdas; its ``transform(values)`` gives the transformed rows.

    Raises
    ------
    ValueError
        On an unknown transform or feature name, a shape that does not match, non-finite
        values, or log(1 + x) of a column with a value at or below -1.
    """
    names = tuple(feature_names)
    unknown_features = sorted(set(transforms) - set(names))
    if unknown_features:
        raise ValueError(f"Transforms name columns {unknown_features} not among {list(names)}.")
    for name, transform in transforms.items():
        if transform not in TRANSFORMS:
            raise ValueError(
                f"Transform {transform!r} of column {name!r} is not one of {list(TRANSFORMS)}."
            )
    chosen = tuple(transforms.get(name, "none") for name in names)
    matrix = _check_values(values, names, chosen)
    lambdas = np.full(len(names), np.nan)
    power_columns = [column for column, name in enumerate(chosen) if name == "yeo-johnson"]
    if power_columns:
        # Each column's lambda is fitted on its own; standardizing is the rescale's job.
        power = PowerTransformer(method="yeo-johnson", standardize=False)
        lambdas[power_columns] = power.fit(matrix[:, power_columns]).lambdas_
    return FittedTransforms(names, chosen, tuple(float(value) for value in lambdas))


def skewness_table(
    before: np.ndarray, after: np.ndarray, feature_names: Sequence[str]
) -> pd.DataFrame:
    """Each variable's skewness before and after its transform.

    The skewness is the adjusted Fisher-Pearson coefficient (``scipy.stats.skew`` with
    ``bias=False``), the one pandas' ``DataFrame.skew`` and spreadsheets report. A constant
    column has no skewness (zero over zero): NaN.

    Parameters
    ----------
    before, after : numpy.ndarray
        Finite arrays of the same shape (n_rows >= 3, n_features).
    feature_names : sequence of str
        Names of the columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature``, ``skewness_before``, ``skewness_after``; one row per feature.

    Raises
    ------
    ValueError
        When the shapes differ or do not match the names, with fewer than 3 rows, or on
        non-finite values.
    """
    names = list(feature_names)
    matrices = [np.asarray(values, dtype=np.float64) for values in (before, after)]
    for matrix in matrices:
        if matrix.ndim != 2 or matrix.shape[1] != len(names) or matrix.shape[0] < 3:
            raise ValueError(
                f"before and after have shapes {matrices[0].shape} and {matrices[1].shape}; "
                f"expected (n_rows >= 3, {len(names)}) to match the feature names."
            )
        if not np.isfinite(matrix).all():
            raise ValueError("before or after holds missing or infinite values.")
    if matrices[0].shape != matrices[1].shape:
        raise ValueError(
            f"before has shape {matrices[0].shape} but after {matrices[1].shape}; "
            "expected the same rows."
        )
    return pd.DataFrame(
        {
            "feature": names,
            "skewness_before": _skewness(matrices[0]),
            "skewness_after": _skewness(matrices[1]),
        }
    )


def _skewness(matrix: np.ndarray) -> np.ndarray:
    constant = np.ptp(matrix, axis=0) == 0
    with warnings.catch_warnings():
        # scipy warns of precision loss on a constant column, which is NaN here anyway.
        warnings.simplefilter("ignore", RuntimeWarning)
        skewness = np.asarray(stats.skew(matrix, axis=0, bias=False), dtype=np.float64)
    skewness[constant] = np.nan
    return skewness
