"""The catalogue of clusterable features and the preparation of a feature matrix.

Pure Python (no Streamlit). Missing values are never dropped or filled silently:
:func:`prepare_features` says how many rows lacked a chosen feature and what was
done with them, and keeps their positions so the caller can show them as
"not clustered" instead of losing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_HANDLINGS: tuple[str, ...] = ("exclude", "median")

MEDIAN_HOUSE_VALUE_CAP = 500_001.0
HOUSING_MEDIAN_AGE_CAP = 52.0


@dataclass(frozen=True)
class Feature:
    """One clusterable column, described for people.

    Attributes
    ----------
    name : str
        Column name.
    label : str
        Human label for widgets and axes.
    unit : str
        Unit of the values.
    description : str
        One or two sentences on what the value means.
    cap : float or None
        The census top-code, where the values are capped.
    ratio : (str, str) or None
        For a ratio computed from other columns: its numerator's and denominator's columns.
    """

    name: str
    label: str
    unit: str
    description: str
    cap: float | None = None
    ratio: tuple[str, str] | None = None


def _ratio(ratio: tuple[str, str], name: str, label: str, unit: str, meaning: str) -> Feature:
    """A ratio of two census columns, its description naming them first."""
    return Feature(name, label, unit, f"{ratio[0]} / {ratio[1]}: {meaning}", ratio=ratio)


FEATURE_CATALOGUE: dict[str, Feature] = {
    feature.name: feature
    for feature in (
        Feature("latitude", "Latitude", "degrees north", "Latitude of the block group's centre."),
        Feature("longitude", "Longitude", "degrees east", "Longitude of the block group's centre."),
        Feature(
            "median_house_value",
            "Median house value",
            "USD",
            "Median value of owner-occupied homes. Capped at 500,001 USD by the census: "
            "a value of 500,001 means 500,001 or more.",
            cap=MEDIAN_HOUSE_VALUE_CAP,
        ),
        Feature(
            "median_income",
            "Median income",
            "tens of thousands of USD",
            "Median household income (3.5 means 35,000 USD a year).",
        ),
        Feature(
            "housing_median_age",
            "Median house age",
            "years",
            "Median age of the houses. Capped at 52 years: 52 means 52 or older.",
            cap=HOUSING_MEDIAN_AGE_CAP,
        ),
        Feature("total_rooms", "Total rooms", "rooms", "Rooms in the block group (all houses)."),
        Feature(
            "total_bedrooms",
            "Total bedrooms",
            "rooms",
            "Bedrooms in the block group. Empty for 207 block groups of the public copy.",
        ),
        Feature("population", "Population", "people", "People living in the block group."),
        Feature("households", "Households", "households", "Households in the block group."),
        _ratio(
            ("total_rooms", "households"),
            "rooms_per_household",
            "Rooms per household",
            "rooms",
            "how large the homes are.",
        ),
        _ratio(
            ("total_bedrooms", "total_rooms"),
            "bedrooms_per_room",
            "Bedrooms per room",
            "ratio",
            "a low share means larger homes. Empty where total_bedrooms is empty.",
        ),
        _ratio(
            ("population", "households"),
            "population_per_household",
            "People per household",
            "people",
            "how crowded the homes are.",
        ),
    )
}

DEFAULT_FEATURES: tuple[str, ...] = ("latitude", "longitude", "median_house_value")


@dataclass(frozen=True)
class FeatureMatrix:
    """The numeric matrix to cluster, and what was done to get it.

    Attributes
    ----------
    values : numpy.ndarray
        float64 array of shape (n_used, n_features).
    row_positions : numpy.ndarray
        Positions (0-based, in the input frame) of the rows in ``values``.
    feature_names : tuple of str
        Column order of ``values``.
    message : str or None
        Plain-language account of the rows missing a chosen feature (their count, per
        feature) and of what was done with them (left out of the clustering, or filled
        with the feature's median), None when nothing was missing.
    """

    values: np.ndarray
    row_positions: np.ndarray
    feature_names: tuple[str, ...]
    message: str | None = None


def add_derived_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with the derived ratio columns added.

    A ratio whose denominator is zero or missing is left missing (NaN) rather than
    infinite, so it is reported like any other missing value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with the housing columns the ratios need; ratios whose inputs are
        absent are skipped.

    Returns
    -------
    pandas.DataFrame
        A new frame with the ratio columns appended.
    """
    result = frame.copy()
    for feature in FEATURE_CATALOGUE.values():
        if feature.ratio is not None and set(feature.ratio) <= set(result.columns):
            top, bottom = (pd.to_numeric(result[name], errors="coerce") for name in feature.ratio)
            result[feature.name] = (top.astype(float) / bottom.where(bottom != 0)).astype(float)
    return result


def missing_by_name(names: Sequence[str], values: np.ndarray) -> tuple[dict[str, int], str]:
    """Count the missing or non-finite values of each column.

    Parameters
    ----------
    names : sequence of str
        The columns' names, in the order of ``values``' columns.
    values : numpy.ndarray
        float64, shape (n_rows, len(names)).

    Returns
    -------
    (dict of str to int, str)
        The count per column (columns with none left out), and those counts in words
        ("total_bedrooms: 207, population: 3").
    """
    counts = (~np.isfinite(values)).sum(axis=0)
    by_name = {name: int(count) for name, count in zip(names, counts, strict=True) if count}
    return by_name, ", ".join(f"{name}: {count:,}" for name, count in by_name.items())


def prepare_features(
    frame: pd.DataFrame,
    features: Sequence[str],
    missing: str = "exclude",
) -> FeatureMatrix:
    """Build the float matrix of the chosen features and account for missing values.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows holding the chosen columns.
    features : sequence of str
        Column names, at least one, no repeats, each numeric.
    missing : {"exclude", "median"}
        What to do with rows where a chosen feature is missing or non-finite:
        leave them out of the clustering (reported, positions kept) or fill the
        value with that feature's median over the other rows.

    Returns
    -------
    FeatureMatrix
        The matrix, the positions of its rows, and the account of missing values.

    Raises
    ------
    ValueError
        If no feature is given, a name repeats or is not a column, a column is not
        numeric, ``missing`` is unknown, or no row is left.
    """
    names = tuple(features)
    if not names:
        raise ValueError("features is empty; choose at least one feature to cluster on.")
    if len(set(names)) != len(names):
        raise ValueError(f"features={list(names)!r} repeats a name; each feature once.")
    unknown = [name for name in names if name not in frame.columns]
    if unknown:
        raise ValueError(
            f"Unknown feature(s) {unknown!r}; expected column(s) of the data: "
            f"{', '.join(map(str, frame.columns))}."
        )
    not_numeric = [name for name in names if not pd.api.types.is_numeric_dtype(frame[name])]
    if not_numeric:
        raise ValueError(f"Feature(s) {not_numeric!r} are not numeric; choose numeric columns.")
    if missing not in MISSING_HANDLINGS:
        raise ValueError(f"missing={missing!r} is not one of {MISSING_HANDLINGS}.")

    values = frame.loc[:, list(names)].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    bad = ~np.isfinite(values)
    _, detail = missing_by_name(names, values)
    bad_rows = bad.any(axis=1)
    n_missing_rows = int(bad_rows.sum())
    positions = np.arange(len(frame))
    message: str | None = None
    if n_missing_rows:
        if missing == "exclude":
            values = values[~bad_rows]
            positions = positions[~bad_rows]
            message = (
                f"{n_missing_rows:,} of {len(frame):,} rows have no value for a chosen "
                f"feature ({detail}); they are left out of the clustering and shown as "
                "'not clustered'. Choose 'fill with median' to include them."
            )
        else:
            empty = [name for name, column in zip(names, bad.T, strict=True) if column.all()]
            if empty:
                raise ValueError(f"Feature(s) {empty!r} have no values at all; choose others.")
            medians = np.nanmedian(np.where(bad, np.nan, values), axis=0)
            values = np.where(bad, medians[np.newaxis, :], values)
            message = (
                f"{n_missing_rows:,} of {len(frame):,} rows have no value for a chosen "
                f"feature ({detail}); the gaps are filled with the feature's median, "
                "which pulls those rows toward the middle."
            )
    if len(values) == 0:
        raise ValueError("No row has a value for every chosen feature; choose other features.")
    return FeatureMatrix(
        values=values,
        row_positions=positions,
        feature_names=names,
        message=message,
    )
