"""The app's scalers fitted with dask reductions and applied chunk by chunk.

Same scalers and semantics as :func:`components.engine.scaling.scale_features` (no split: every
row is fitted):

- ``standard``: ``(x - mean) / std`` per feature (population std; a constant feature keeps
  scale 1, as scikit-learn's StandardScaler);
- ``minmax``: ``(x - min) / (max - min)`` (a constant feature keeps scale 1);
- ``robust``: ``(x - median) / (q75 - q25)`` (an IQR of 0 keeps scale 1). The quartiles come
  from ``dask.array.percentile`` on a grid of every 0.1 percentile, which merges per-chunk
  percentiles: within about 0.2 % of the IQR of scikit-learn's RobustScaler, not equal;
- ``normalize``: scikit-learn's row-wise ``normalize`` on each chunk (stateless);
- ``geographic``: the app's own geographic scaler, fitted from the columns' means and variances
  (:meth:`~components.engine.scaling._GeographicScaler.fit_moments`) and applied by its own
  ``transform``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np
from sklearn.preprocessing import normalize

from components.engine.scaling import (
    LOCATION_WEIGHT_RANGE,
    _GeographicScaler,
    check_scaler_input,
)
from components.engine.validation import check_float

__all__ = [
    "PERCENTILE_GRID",
    "ChunkScaler",
    "ColumnMoments",
    "column_moments",
    "fit_chunk_scaler",
]

PERCENTILE_GRID = np.linspace(0.0, 100.0, 1001)  # every 0.1 percentile
_QUARTILE_POSITIONS = (250, 500, 750)  # 25th, 50th and 75th percentiles in PERCENTILE_GRID


@dataclass(frozen=True)
class ColumnMoments:
    """Per-column statistics of the rows, from one pass of dask reductions.

    Attributes
    ----------
    mean, variance, minimum, maximum : numpy.ndarray
        One value per column (variance with ddof=0).
    """

    mean: np.ndarray
    variance: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray


def column_moments(values: da.Array) -> ColumnMoments:
    """Compute each column's mean, population variance, minimum and maximum in one pass.

    Parameters
    ----------
    values : dask.array.Array
        Shape ``(n_rows, n_columns)``, finite.

    Returns
    -------
    ColumnMoments
        The four statistics per column.
    """
    mean, variance, minimum, maximum = (
        np.asarray(statistic, dtype=np.float64)
        for statistic in dask.compute(
            values.mean(axis=0), values.var(axis=0), values.min(axis=0), values.max(axis=0)
        )
    )
    return ColumnMoments(mean, np.maximum(variance, 0.0), minimum, maximum)


@dataclass(frozen=True)
class ChunkScaler:
    """A fitted scaler: call it on a chunk of rows (numpy) to scale them.

    Attributes
    ----------
    scaler : str
        The scaler's name, a key of :data:`components.engine.scaling.SCALERS`.
    center, scale : numpy.ndarray or None
        ``(x - center) / scale`` per feature for standard, minmax and robust; None otherwise.
    geographic : _GeographicScaler or None
        The app's fitted geographic scaler, for ``geographic``.
    """

    scaler: str
    center: np.ndarray | None = None
    scale: np.ndarray | None = None
    geographic: _GeographicScaler | None = None

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """Scale a chunk of rows.

        Parameters
        ----------
        block : numpy.ndarray
            Shape ``(n, n_features)``, the features in the order they were fitted.

        Returns
        -------
        numpy.ndarray
            float64, same shape.
        """
        rows = np.asarray(block, dtype=np.float64)
        if self.geographic is not None:
            return np.asarray(self.geographic.transform(rows), dtype=np.float64)
        if self.center is not None and self.scale is not None:
            return (rows - self.center) / self.scale
        return np.asarray(normalize(rows), dtype=np.float64)

    def parameters(self) -> dict[str, list[float]]:
        """Return the fitted parameters, for the result's manifest.

        Returns
        -------
        dict of str to list of float
            ``center`` and ``scale`` per feature; for the geographic scaler its location mean
            (km), location scale, and the other features' means and standard deviations;
            empty for ``normalize``.
        """
        if self.center is not None and self.scale is not None:
            return {"center": self.center.tolist(), "scale": self.scale.tolist()}
        if self.geographic is not None:
            return self.geographic.parameters()
        return {}


def _nonzero(scale: np.ndarray, constant: np.ndarray) -> np.ndarray:
    # A constant feature (or a zero spread) keeps scale 1, as scikit-learn's scalers do.
    return np.where(constant | (scale == 0.0), 1.0, scale)


def fit_chunk_scaler(
    values: da.Array,
    feature_names: Sequence[str],
    scaler: str,
    moments: ColumnMoments,
    *,
    location_weight: float = 1.0,
    latitude_column: str = "latitude",
    longitude_column: str = "longitude",
) -> ChunkScaler:
    """Fit one of the app's scalers on every row of a dask array.

    Parameters
    ----------
    values : dask.array.Array
        Shape ``(n_rows, n_features)``: the features, finite.
    feature_names : sequence of str
        The columns of ``values``.
    scaler : str
        One of :data:`components.engine.scaling.SCALERS`.
    moments : ColumnMoments
        :func:`column_moments` of ``values``.
    location_weight : float
        Geographic scaler only: the weight of the location block, in [0, 10].
    latitude_column, longitude_column : str
        Geographic scaler only: the coordinate features.

    Returns
    -------
    ChunkScaler
        The fitted scaler.

    Raises
    ------
    ValueError
        On an unknown scaler, a weight out of range, or a geographic scaler whose features
        lack a coordinate.
    """
    names = check_scaler_input(scaler, values.shape, feature_names, named_coordinates=False)
    low, high = LOCATION_WEIGHT_RANGE
    weight = check_float(location_weight, "location_weight", low, high)
    constant = moments.minimum == moments.maximum
    if scaler == "standard":
        scale = _nonzero(np.sqrt(moments.variance), constant)
        return ChunkScaler(scaler, center=moments.mean, scale=scale)
    if scaler == "minmax":
        scale = _nonzero(moments.maximum - moments.minimum, constant)
        return ChunkScaler(scaler, center=moments.minimum, scale=scale)
    if scaler == "robust":
        # Per-chunk percentiles on a fine grid, merged by dask: the quartiles are then within
        # about 0.2 % of the IQR of numpy's (dask merges only the percentiles it is asked for,
        # and asked for 25/50/75 alone it is off by up to a fifth of the IQR).
        grids = dask.compute(
            *[da.percentile(values[:, column], PERCENTILE_GRID) for column in range(len(names))]
        )
        quartiles = np.array([np.asarray(grid)[list(_QUARTILE_POSITIONS)] for grid in grids])
        scale = _nonzero(quartiles[:, 2] - quartiles[:, 0], constant)
        return ChunkScaler(scaler, center=quartiles[:, 1], scale=scale)
    if scaler == "geographic":
        if latitude_column not in names or longitude_column not in names:
            raise ValueError(
                "The geographic scaler needs both coordinates among the features "
                f"({latitude_column!r} and {longitude_column!r}); got {list(names)}."
            )
        geographic = _GeographicScaler(
            names.index(latitude_column), names.index(longitude_column), weight
        ).fit_moments(moments.mean, moments.variance)
        return ChunkScaler(scaler, geographic=geographic)
    return ChunkScaler(scaler)
