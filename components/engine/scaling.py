"""Scale a feature matrix before k-means, optionally with the tutorial's train/test split.

Pure Python (no Streamlit). K-means measures plain Euclidean distance, so the
scale of each column decides how much it counts. The scalers:

- ``standard``: z-score per feature (the default).
- ``minmax``: each feature to [0, 1].
- ``robust``: median and inter-quartile range per feature (outliers count less).
- ``normalize``: the tutorial's ``sklearn.preprocessing.normalize``, which scales each
  ROW to unit L2 length. It does not standardise features: on latitude/longitude it
  keeps only the direction of the (lat, lon) vector, i.e. roughly the ratio lat/lon.
- ``geographic``: latitude/longitude projected to kilometres (equirectangular around
  the mean latitude) and divided by ONE common factor, so distances on the map keep
  their shape; other features z-scored; the location block multiplied by a weight.

When a split is asked for, the scaler is fitted on the training rows only and then
applied to the test rows, as a model in production would see them. The fitted parameters are
kept (:attr:`ScaledFeatures.scaler_parameters`), so :func:`apply_scaler` scales new rows
exactly as the fitted ones were (a saved model applied to new places).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler, normalize

from components.engine.classification.transforms import FittedTransforms, fit_transforms

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius, the one scikit-learn's docs use

SCALERS: dict[str, str] = {
    "standard": "Standard (z-score per feature)",
    "minmax": "Min-max (each feature to 0..1)",
    "robust": "Robust (median and IQR per feature)",
    "normalize": "Tutorial: row-wise L2 normalize",
    "geographic": "Geographic (km on the map + z-scored features)",
}

SCALER_WARNINGS: dict[str, str] = {
    "normalize": (
        "Row-wise L2 normalize scales each ROW to length 1; it does not standardise "
        "features. On latitude/longitude it keeps only the direction of the (lat, lon) "
        "vector, so places far apart along that direction land in the same cluster."
    ),
}

LOCATION_WEIGHT_RANGE = (0.0, 10.0)


def project_to_km(
    latitude: np.ndarray, longitude: np.ndarray, cos_mean_latitude: float
) -> np.ndarray:
    """Project degrees to kilometres on the map (equirectangular).

    Parameters
    ----------
    latitude, longitude : numpy.ndarray
        Degrees, one value per place.
    cos_mean_latitude : float
        Cosine of the latitude the projection is true at (the places' mean latitude).

    Returns
    -------
    numpy.ndarray
        Shape (n_places, 2): kilometres north of the equator and east of the meridian.
    """
    north_km = EARTH_RADIUS_KM * np.radians(latitude)
    east_km = EARTH_RADIUS_KM * np.radians(longitude) * cos_mean_latitude
    return np.column_stack([north_km, east_km])


@dataclass(frozen=True)
class ScaledFeatures:
    """Scaled rows ready for k-means.

    Attributes
    ----------
    train : numpy.ndarray
        Scaled training rows (all rows when there is no split).
    test : numpy.ndarray or None
        Scaled test rows, transformed with the scaler fitted on ``train``.
    train_rows : numpy.ndarray
        Row numbers (into the input matrix) of ``train``.
    test_rows : numpy.ndarray or None
        Row numbers of ``test``.
    scaler : str
        The scaler's name, a key of :data:`SCALERS`.
    transforms : FittedTransforms or None
        The per-variable transforms applied before the scaler (fitted on ``train``).
    warning : str or None
        What the user should know about this scaler, if anything.
    scaler_parameters : dict of str to list of float
        The fitted scaler's parameters, as :func:`apply_scaler` takes them: scikit-learn's
        fitted attributes without their underscore for ``standard`` (``mean``, ``scale``),
        ``minmax`` (``scale``, ``min``: ``x * scale + min``) and ``robust`` (``center``,
        ``scale``); for ``geographic`` its projection (``cos_mean_latitude``,
        ``location_mean_km``, ``location_scale_km``), ``location_weight``, ``other_mean`` and
        ``other_std`` (a single number as a list of one); empty for ``normalize``.
    """

    train: np.ndarray
    test: np.ndarray | None
    train_rows: np.ndarray
    test_rows: np.ndarray | None
    scaler: str
    transforms: FittedTransforms | None = None
    warning: str | None = None
    scaler_parameters: dict[str, list[float]] = field(default_factory=dict)


class _GeographicScaler:
    """Project lat/lon to km with one common factor; z-score the other columns."""

    def __init__(self, latitude_column: int, longitude_column: int, location_weight: float):
        self.latitude_column = latitude_column
        self.longitude_column = longitude_column
        self.location_weight = location_weight

    def _set_other_columns(self, n_columns: int) -> None:
        location = (self.latitude_column, self.longitude_column)
        self.other_columns_ = [column for column in range(n_columns) if column not in location]

    def fit(self, values: np.ndarray) -> _GeographicScaler:
        return self.fit_moments(values.mean(axis=0), values.var(axis=0))

    def fit_moments(self, mean: np.ndarray, variance: np.ndarray) -> _GeographicScaler:
        """Fit from each column's mean and population variance (all the scaler needs).

        The projection is linear in latitude and in longitude (at the fitted mean latitude),
        so the projected means and variances follow from the columns' own; a caller that
        computes the moments as a reduction over chunks (the distributed sweep) fits the
        same scaler without holding the rows.
        """
        mean = np.asarray(mean, dtype=np.float64)
        variance = np.asarray(variance, dtype=np.float64)
        self.cos_mean_latitude_ = float(np.cos(np.radians(mean[self.latitude_column])))
        self._set_other_columns(mean.size)
        km_per_radian = np.array([EARTH_RADIUS_KM, EARTH_RADIUS_KM * self.cos_mean_latitude_])
        location = [self.latitude_column, self.longitude_column]
        self.location_mean_ = km_per_radian * np.radians(mean[location])
        projected_variance = (km_per_radian * np.radians(1.0)) ** 2 * variance[location]
        # One factor for both axes: the root mean of the two variances, so the
        # location block carries the same total variance as two z-scored features.
        self.location_scale_ = float(np.sqrt(projected_variance.mean())) or 1.0
        self.other_mean_ = mean[self.other_columns_]
        other_std = np.sqrt(variance[self.other_columns_])
        self.other_std_ = np.where(other_std > 0, other_std, 1.0)
        return self

    def parameters(self) -> dict[str, list[float]]:
        """The fitted parameters, each a list of floats (one value for a single number)."""
        return {
            "cos_mean_latitude": [self.cos_mean_latitude_],
            "location_mean_km": np.asarray(self.location_mean_).tolist(),
            "location_scale_km": [self.location_scale_],
            "location_weight": [float(self.location_weight)],
            "other_mean": np.asarray(self.other_mean_).tolist(),
            "other_std": np.asarray(self.other_std_).tolist(),
        }

    @classmethod
    def from_parameters(
        cls, latitude_column: int, longitude_column: int, parameters: Mapping[str, Sequence[float]]
    ) -> _GeographicScaler:
        """The fitted scaler that :meth:`parameters` describes."""
        fitted = cls(latitude_column, longitude_column, parameters["location_weight"][0])
        fitted.cos_mean_latitude_ = float(parameters["cos_mean_latitude"][0])
        fitted._set_other_columns(len(parameters["other_mean"]) + 2)
        fitted.location_mean_ = np.asarray(parameters["location_mean_km"], dtype=np.float64)
        fitted.location_scale_ = float(parameters["location_scale_km"][0])
        fitted.other_mean_ = np.asarray(parameters["other_mean"], dtype=np.float64)
        fitted.other_std_ = np.asarray(parameters["other_std"], dtype=np.float64)
        return fitted

    def transform(self, values: np.ndarray) -> np.ndarray:
        result = np.empty_like(values, dtype=np.float64)
        projected = project_to_km(
            values[:, self.latitude_column],
            values[:, self.longitude_column],
            self.cos_mean_latitude_,
        )
        location = (projected - self.location_mean_) / self.location_scale_
        result[:, [self.latitude_column, self.longitude_column]] = self.location_weight * location
        result[:, self.other_columns_] = (
            values[:, self.other_columns_] - self.other_mean_
        ) / self.other_std_
        return result


_SklearnScaler: TypeAlias = StandardScaler | MinMaxScaler | RobustScaler
# scikit-learn's scalers, and the fitted attributes (without their underscore) kept of each.
_SKLEARN_SCALERS: dict[str, tuple[type[_SklearnScaler], tuple[str, ...]]] = {
    "standard": (StandardScaler, ("mean", "scale")),
    "minmax": (MinMaxScaler, ("scale", "min")),
    "robust": (RobustScaler, ("center", "scale")),
}


def check_scaler_input(
    scaler: str,
    shape: tuple[int, ...],
    feature_names: Sequence[str],
    *,
    named_coordinates: bool = True,
) -> tuple[str, ...]:
    """Check a scaler's name and the shape of the rows it scales; return the feature names.

    Parameters
    ----------
    scaler : str
        Should be one of :data:`SCALERS`.
    shape : tuple of int
        Shape of the rows to scale (a numpy or dask array's ``shape``).
    feature_names : sequence of str
        Names of the columns.
    named_coordinates : bool
        Also require "latitude" and "longitude" among the names for the geographic scaler
        (False where the caller names its coordinate columns itself).

    Returns
    -------
    tuple of str
        ``feature_names`` as a tuple.

    Raises
    ------
    ValueError
        On an unknown scaler, a shape that does not match the names, or a geographic scaler
        without latitude and longitude among them.
    """
    names = tuple(feature_names)
    if scaler not in SCALERS:
        raise ValueError(f"scaler={scaler!r} is not one of {tuple(SCALERS)}.")
    if len(shape) != 2 or shape[1] != len(names):
        raise ValueError(
            f"values has shape {shape}; expected (n_rows, {len(names)}) to match feature_names."
        )
    if named_coordinates and scaler == "geographic" and not {"latitude", "longitude"} <= set(names):
        raise ValueError(
            "The geographic scaler needs both latitude and longitude among the features; "
            f"got {list(names)}."
        )
    return names


def apply_scaler(
    values: np.ndarray,
    feature_names: Sequence[str],
    scaler: str,
    parameters: Mapping[str, Sequence[float]],
) -> np.ndarray:
    """Scale new rows with a fitted scaler's parameters, as :func:`scale_features` did.

    The arithmetic is the fitted scaler's own, in the same order, so the rows it was
    fitted on come out bit for bit as :func:`scale_features` scaled them.

    Parameters
    ----------
    values : numpy.ndarray
        Finite array of shape (n_rows, n_features), already transformed (if the fit had
        transforms).
    feature_names : sequence of str
        Names of the columns, in the fitted order.
    scaler : str
        One of :data:`SCALERS`.
    parameters : mapping of str to sequence of float
        :attr:`ScaledFeatures.scaler_parameters` of the fit (trusted to match the columns).

    Returns
    -------
    numpy.ndarray
        float64 array of the same shape.

    Raises
    ------
    ValueError
        On an unknown scaler, a shape that does not match the feature names, or a
        geographic scaler without latitude and longitude among them.
    """
    matrix = np.asarray(values, dtype=np.float64)
    names = check_scaler_input(scaler, matrix.shape, feature_names)
    if scaler == "normalize":
        return np.asarray(normalize(matrix), dtype=np.float64)
    if scaler == "geographic":
        return _GeographicScaler.from_parameters(
            names.index("latitude"), names.index("longitude"), parameters
        ).transform(matrix)
    scale = np.asarray(parameters["scale"], dtype=np.float64)
    if scaler == "minmax":
        return matrix * scale + np.asarray(parameters["min"], dtype=np.float64)
    center = parameters["mean" if scaler == "standard" else "center"]
    return (matrix - np.asarray(center, dtype=np.float64)) / scale


def scale_features(
    values: np.ndarray,
    feature_names: Sequence[str],
    scaler: str = "standard",
    *,
    location_weight: float = 1.0,
    test_size: float | None = None,
    random_state: int = 0,
    transforms: Mapping[str, str] | None = None,
) -> ScaledFeatures:
    """Scale a feature matrix, fitting on the training rows only.

    Parameters
    ----------
    values : numpy.ndarray
        Finite float array of shape (n_samples, n_features).
    feature_names : sequence of str
        Names of the columns of ``values``; the geographic scaler needs
        "latitude" and "longitude" among them.
    scaler : str
        One of :data:`SCALERS`.
    location_weight : float
        Geographic scaler only: multiplies the location block, in [0, 10]
        (1 = location counts like two ordinary features).
    test_size : float, optional
        Share of rows held out, in (0, 1); None for no split. The tutorial uses 0.33.
    random_state : int
        Seed of the split (the tutorial uses 0).
    transforms : mapping of str to str, optional
        A transform per feature (a key of
        :data:`components.engine.classification.transforms.TRANSFORMS`), applied before the
        scaler and fitted on the training rows; features absent are left as they are.

    Returns
    -------
    ScaledFeatures
        Scaled train (and test) rows with their row numbers.

    Raises
    ------
    ValueError
        On an unknown scaler, a shape mismatch, non-finite values, a weight or
        test size out of range, or a geographic scaler without latitude/longitude.
    """
    matrix = np.asarray(values, dtype=np.float64)
    names = check_scaler_input(scaler, matrix.shape, feature_names)
    if matrix.shape[0] == 0:
        raise ValueError("values has no rows; expected at least one row to scale.")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("values contains NaN or infinite entries; prepare_features handles them.")
    low, high = LOCATION_WEIGHT_RANGE
    if not low <= location_weight <= high:
        raise ValueError(f"location_weight={location_weight!r} is out of range [{low}, {high}].")
    if test_size is not None and not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size={test_size!r} is out of range; expected a float in (0, 1).")

    rows = np.arange(matrix.shape[0])
    if test_size is None:
        train_rows, test_rows = rows, None
    else:
        # Splitting row numbers gives the same permutation as splitting the frame itself.
        train_rows, test_rows = train_test_split(
            rows, test_size=test_size, random_state=random_state
        )
    fitted: _GeographicScaler | _SklearnScaler | None = None
    if scaler == "geographic":
        fitted = _GeographicScaler(
            names.index("latitude"), names.index("longitude"), location_weight
        )
    elif scaler in _SKLEARN_SCALERS:  # else normalize, which is stateless: each row on its own
        fitted = _SKLEARN_SCALERS[scaler][0]()
    train_values = matrix[train_rows]
    test_values = None if test_rows is None else matrix[test_rows]
    fitted_transforms = None
    if transforms:
        fitted_transforms = fit_transforms(train_values, names, transforms)
        train_values = fitted_transforms.transform(train_values)
        test_values = None if test_values is None else fitted_transforms.transform(test_values)
    transform = normalize if fitted is None else fitted.fit(train_values).transform
    if isinstance(fitted, _GeographicScaler):
        parameters = fitted.parameters()
    else:
        kept = _SKLEARN_SCALERS[scaler][1] if scaler in _SKLEARN_SCALERS else ()
        parameters = {name: getattr(fitted, f"{name}_").tolist() for name in kept}
    return ScaledFeatures(
        train=np.asarray(transform(train_values), dtype=np.float64),
        test=None if test_values is None else np.asarray(transform(test_values), dtype=np.float64),
        train_rows=np.asarray(train_rows),
        test_rows=None if test_rows is None else np.asarray(test_rows),
        scaler=scaler,
        transforms=fitted_transforms,
        warning=SCALER_WARNINGS.get(scaler),
        scaler_parameters=parameters,
    )
