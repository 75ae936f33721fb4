"""Find strongly correlated variables, and propose which one of each pair to drop.

Pure Python (no Streamlit). Two variables that move together measure the same thing
twice, so k-means counts it twice. Both Pearson's r (linear) and Spearman's rho (any
monotonic relation, robust to skew) are computed; a pair is flagged when either reaches
the threshold in absolute value.

Which one to drop follows caret's ``findCorrelation``: the one with the larger mean
absolute correlation with the other variables, since it is the more redundant. The
strength of each pair in that mean is the larger of its absolute Pearson and Spearman
correlations, the same "either" that flags it. Latitude and longitude are never proposed:
location is kept, so the other variable of the pair is dropped (and a pair of the two
coordinates proposes nothing).

A constant column has no correlation (zero variance): its correlations are NaN, it is
never flagged, and it counts as uncorrelated (0) in the means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

LOCATION_COLUMNS = ("latitude", "longitude")


@dataclass(frozen=True)
class CorrelatedPair:
    """Two variables correlated at or above the threshold.

    Attributes
    ----------
    first, second : str
        The variables, in the user's order.
    pearson, spearman : float
        Their Pearson and Spearman correlations.
    drop : str or None
        The one proposed to drop; None when both are location coordinates.
    """

    first: str
    second: str
    pearson: float
    spearman: float
    drop: str | None


@dataclass(frozen=True)
class Correlations:
    """Correlation matrices of the variables and the pairs above the threshold.

    Attributes
    ----------
    pearson, spearman : pandas.DataFrame
        Feature x feature correlations (index and columns: the feature names).
    threshold : float
        The absolute correlation at or above which a pair is flagged.
    pairs : tuple[CorrelatedPair, ...]
        The flagged pairs, in the user's order of the features.
    """

    pearson: pd.DataFrame
    spearman: pd.DataFrame
    threshold: float
    pairs: tuple[CorrelatedPair, ...]


def correlations(
    values: np.ndarray, feature_names: Sequence[str], threshold: float = 0.8
) -> Correlations:
    """Pearson and Spearman correlations, and the pairs at or above ``threshold``.

    Parameters
    ----------
    values : numpy.ndarray
        Finite array of shape (n_rows >= 2, n_features >= 2).
    feature_names : sequence of str
        Distinct names of the columns.
    threshold : float
        Absolute correlation, in (0, 1], at or above which a pair is flagged.

    Returns
    -------
    Correlations
        Both matrices and the flagged pairs, each with the variable proposed to drop.

    Raises
    ------
    ValueError
        On a threshold out of range, fewer than 2 features or rows, repeated names, a
        shape that does not match the names, or non-finite values.
    """
    names = list(feature_names)
    matrix = np.asarray(values, dtype=np.float64)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r} is out of range; expected a number in (0, 1].")
    if len(names) < 2:
        raise ValueError(f"Correlations need at least 2 features; got {names}.")
    if len(set(names)) != len(names):
        raise ValueError(f"Feature names {names} repeat a name; expected distinct names.")
    if matrix.ndim != 2 or matrix.shape[1] != len(names) or matrix.shape[0] < 2:
        raise ValueError(
            f"values has shape {matrix.shape}; expected (n_rows >= 2, {len(names)}) "
            "to match the feature names."
        )
    if not np.isfinite(matrix).all():
        raise ValueError("values holds missing or infinite values; remove or fill them first.")

    frame = pd.DataFrame(matrix, columns=names)
    pearson = frame.corr(method="pearson")
    spearman = frame.corr(method="spearman")
    pearson_values, spearman_values = pearson.to_numpy(), spearman.to_numpy()
    strength = np.fmax(np.abs(pearson_values), np.abs(spearman_values))
    np.fill_diagonal(strength, np.nan)
    # NaN (a constant column) counts as no correlation in the means, and is never flagged.
    mean_strength = np.nansum(strength, axis=0) / (len(names) - 1)
    pairs = tuple(
        CorrelatedPair(
            first=names[first],
            second=names[second],
            pearson=float(pearson_values[first, second]),
            spearman=float(spearman_values[first, second]),
            drop=_proposed_drop(names, mean_strength, first, second),
        )
        for first, second in combinations(range(len(names)), 2)
        if strength[first, second] >= threshold
    )
    return Correlations(pearson, spearman, threshold, pairs)


def _proposed_drop(
    names: list[str], mean_strength: np.ndarray, first: int, second: int
) -> str | None:
    """The more redundant of the pair (ties: the later one), never a location coordinate."""
    if names[first] in LOCATION_COLUMNS:
        return None if names[second] in LOCATION_COLUMNS else names[second]
    if names[second] in LOCATION_COLUMNS:
        return names[first]
    return names[first] if mean_strength[first] > mean_strength[second] else names[second]
