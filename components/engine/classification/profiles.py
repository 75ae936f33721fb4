"""Profiles that read like a classification: index scores, separation and drafted names.

Pure Python (no Streamlit). As in the pen portraits of the UK Output Area Classification: each
cluster's mean of a variable against the overall mean as an index (100 = average), how strongly
the clusters separate each variable (eta squared, one-way ANOVA F), and a short draft name per
cluster from its location and its most distinctive variables, for an analyst to edit.

Conventions: ``labels`` are aligned with the rows of ``frame`` by position, ids run from 0 to
``n_clusters - 1`` and a negative id marks a row that was not clustered (ignored everywhere).
Missing or infinite values are ignored column by column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.engine.describe import KM_PER_DEGREE, compass_direction
from components.engine.grouped import sums_of_squares
from components.engine.validation import check_int, validate_frame_labels

__all__ = [
    "CENTRAL_SHARE",
    "KIND_SENTENCES",
    "MAX_NAME_LENGTH",
    "IndexScores",
    "draft_names",
    "index_scores",
    "separation",
]

KIND_SENTENCES: dict[str, str] = {
    "index": (
        "Index: the cluster's mean as a percentage of the overall mean; 100 is average, "
        "150 is half as much again, 50 is half."
    ),
    "standardised": (
        "Standardised difference: the cluster's mean minus the overall mean, in overall "
        "standard deviations; 0 is average. Used for a variable with negative values or a mean "
        "of zero or less, where a percentage of the mean means nothing."
    ),
}
MAX_NAME_LENGTH = 60
# A cluster whose centre is closer to the overall centre than this share of the clusters'
# root-mean-square distance from it is "Central": the cut follows the data's own extent.
CENTRAL_SHARE = 0.5
COASTAL_ABOVE = 0.5  # share of places near the ocean above which a cluster is "Coastal"
INLAND_BELOW = 0.1  # ... and below which it is "Inland"


@dataclass(frozen=True)
class IndexScores:
    """Each cluster's mean of each variable against the overall mean.

    Attributes
    ----------
    scores : np.ndarray
        Shape (n_clusters, n_columns): the index (cluster mean / overall mean x 100) for a column
        of kind "index", the standardised difference for a column of kind "standardised"; NaN
        for a cluster without a value in the column.
    standardised : np.ndarray
        Shape (n_clusters, n_columns): (cluster mean - overall mean) / overall standard deviation
        for every column (0 for a column that does not vary), comparable across columns.
    columns : tuple[str, ...]
        The variables, in the order asked.
    kind : tuple[str, ...]
        Per column, "index" or "standardised" (a column with a negative value or a mean <= 0).
    """

    scores: np.ndarray
    standardised: np.ndarray
    columns: tuple[str, ...]
    kind: tuple[str, ...]

    @property
    def explanations(self) -> dict[str, str]:
        """The sentence explaining each kind of score present, for the page."""
        return {kind: KIND_SENTENCES[kind] for kind in dict.fromkeys(self.kind)}


def _clustered_matrix(
    frame: pd.DataFrame, labels: np.ndarray, columns: Sequence[str], n_clusters: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate the shared arguments; return the clustered rows' values (NaN if missing) and ids."""
    ids = validate_frame_labels(frame, labels)
    n_clusters = check_int(n_clusters, "n_clusters", 2)
    if ids.size and ids.max() >= n_clusters:
        raise ValueError(
            f"labels contains the cluster id {int(ids.max())}; expected ids in "
            f"[0, {n_clusters - 1}] (n_clusters={n_clusters}), or a negative id for a row that "
            "was not clustered."
        )
    names = list(columns)
    if not names:
        raise ValueError("columns is empty; expected at least one numeric column of frame.")
    for name in names:
        if name not in frame.columns:
            raise ValueError(f"column {name!r} is not in frame; expected one of {list(frame)}.")
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise ValueError(f"column {name!r} is not numeric; expected numeric columns only.")
    clustered = ids >= 0
    rows = frame[names] if clustered.all() else frame.loc[clustered, names]
    # A copy (the frame is left as it is), column after column: the callers read columns.
    values = np.array(rows.to_numpy(dtype=np.float64, na_value=np.nan), order="F")
    values[~np.isfinite(values)] = np.nan
    empty = [name for name, column in zip(names, values.T, strict=True) if np.isnan(column).all()]
    if empty:
        raise ValueError(
            f"column {empty[0]!r} has no finite value in the clustered rows; leave it out."
        )
    return values, ids[clustered].astype(np.int64), n_clusters


def _finite(column: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The column's values that are not NaN and their cluster ids (no copy when all are)."""
    finite = ~np.isnan(column)
    return (column, ids) if finite.all() else (column[finite], ids[finite])


def index_scores(
    frame: pd.DataFrame, labels: np.ndarray, columns: Sequence[str], n_clusters: int
) -> IndexScores:
    """Index each cluster's mean of each column against the overall mean (100 = average).

    Parameters
    ----------
    frame : pd.DataFrame
        Rows in raw units (not scaled).
    labels : array-like of int, shape (len(frame),)
        Cluster id per row in ``[0, n_clusters - 1]``; negative = not clustered.
    columns : sequence of str
        Numeric columns of ``frame`` to score.
    n_clusters : int
        Number of clusters (>= 2); a cluster without rows scores NaN.

    Returns
    -------
    IndexScores
        Scores, standardised differences and the kind of score of each column.
    """
    values, ids, n_clusters = _clustered_matrix(frame, labels, columns, n_clusters)
    scores = np.empty((n_clusters, values.shape[1]))
    standardised = np.empty_like(scores)
    kinds = []
    for position, column in enumerate(values.T):
        numbers, members = _finite(column, ids)
        counts = np.bincount(members, minlength=n_clusters)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.bincount(members, weights=numbers, minlength=n_clusters) / counts
        overall, spread = float(numbers.mean()), float(numbers.std())
        difference = means - overall
        standardised[:, position] = difference / spread if spread > 0 else difference * 0.0
        if numbers.min() < 0 or overall <= 0:
            kinds.append("standardised")
            scores[:, position] = standardised[:, position]
        else:
            kinds.append("index")
            scores[:, position] = means / overall * 100.0
    return IndexScores(
        scores=scores, standardised=standardised, columns=tuple(columns), kind=tuple(kinds)
    )


def separation(
    frame: pd.DataFrame, labels: np.ndarray, columns: Sequence[str], n_clusters: int
) -> pd.DataFrame:
    """How strongly the clusters separate each column: eta squared and the one-way ANOVA F.

    Parameters
    ----------
    frame : pd.DataFrame
        Rows in raw units.
    labels : array-like of int, shape (len(frame),)
        Cluster id per row in ``[0, n_clusters - 1]``; negative = not clustered.
    columns : sequence of str
        Numeric columns of ``frame``.
    n_clusters : int
        Number of clusters (>= 2).

    Returns
    -------
    pd.DataFrame
        One row per column: ``column``, ``eta_squared`` (between-cluster sum of squares / total,
        NaN for a column that does not vary) and ``f_statistic`` (between-cluster mean square /
        within-cluster mean square over the non-empty clusters; NaN with fewer than 2 of them),
        largest eta squared first.
    """
    values, ids, _ = _clustered_matrix(frame, labels, columns, n_clusters)
    rows = []
    for name, column in zip(columns, values.T, strict=True):
        numbers, members = _finite(column, ids)
        between, total, n_groups = sums_of_squares(numbers, members)
        n_rows = numbers.size
        eta_squared = between / total if total > 0 else math.nan
        within = max(total - between, 0.0)
        if n_groups < 2 or n_rows <= n_groups or total == 0:
            f_statistic = math.nan
        elif within == 0:
            f_statistic = math.inf
        else:
            f_statistic = (between / (n_groups - 1)) / (within / (n_rows - n_groups))
        rows.append((name, eta_squared, f_statistic))
    table = pd.DataFrame(rows, columns=["column", "eta_squared", "f_statistic"])
    return table.sort_values(
        "eta_squared", ascending=False, kind="stable", na_position="last"
    ).reset_index(drop=True)


def _location_words(
    cluster_latitude: np.ndarray,
    cluster_longitude: np.ndarray,
    overall_latitude: float,
    overall_longitude: float,
    coastal_share: np.ndarray | None,
) -> list[str | None]:
    """Coastal or Inland from the coastal share, else a compass word, or Central."""
    north_km = (cluster_latitude - overall_latitude) * KM_PER_DEGREE
    east_km = (
        (cluster_longitude - overall_longitude)
        * KM_PER_DEGREE
        * math.cos(math.radians(overall_latitude))
    )
    distance = np.hypot(north_km, east_km)
    located = np.isfinite(distance)
    dead_zone = (
        CENTRAL_SHARE * float(np.sqrt(np.mean(distance[located] ** 2))) if located.any() else 0.0
    )
    words: list[str | None] = []
    for cluster in range(distance.size):
        share = math.nan if coastal_share is None else float(coastal_share[cluster])
        if share > COASTAL_ABOVE:
            words.append("Coastal")
        elif share < INLAND_BELOW:
            words.append("Inland")
        elif not located[cluster]:
            words.append(None)
        elif distance[cluster] == 0:
            words.append("Central")
        else:
            word = compass_direction(float(north_km[cluster]), float(east_km[cluster]), dead_zone)
            words.append(word[0].upper() + word[1:])
    return words


def _shortened(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip(" ,") + "…"


def draft_names(
    scores: IndexScores,
    labels_of_columns: Mapping[str, str],
    cluster_latitude: np.ndarray,
    cluster_longitude: np.ndarray,
    overall_latitude: float,
    overall_longitude: float,
    coastal_share: np.ndarray | None = None,
) -> list[str]:
    """Draft a short, distinct name per cluster from its location and its strongest variables.

    The location word comes from ``coastal_share`` when it is decisive (above 0.5: "Coastal",
    below 0.1: "Inland"), else from the compass direction of the cluster's centre from the
    overall centre ("North-east"), or "Central" when the centre is near it. Then the two
    variables whose cluster mean differs most from the overall mean, in standard deviations
    (comparable across variables and across kinds of score), as "high <label>" / "low <label>".
    Names that come out equal get their third variable, then a number.

    Parameters
    ----------
    scores : IndexScores
        From :func:`index_scores`.
    labels_of_columns : mapping of str to str
        Short lower-case label of each column ("income"); a column without one is named by its
        name with underscores as spaces.
    cluster_latitude, cluster_longitude : array-like of float, shape (n_clusters,)
        Mean position of each cluster (NaN: no location word).
    overall_latitude, overall_longitude : float
        The overall centre.
    coastal_share : array-like of float, shape (n_clusters,), optional
        Share of each cluster's places near the ocean, in [0, 1].

    Returns
    -------
    list[str]
        One distinct name per cluster, at most 60 characters each.
    """
    n_clusters = scores.scores.shape[0]
    latitude = np.asarray(cluster_latitude, dtype=np.float64)
    longitude = np.asarray(cluster_longitude, dtype=np.float64)
    share = None if coastal_share is None else np.asarray(coastal_share, dtype=np.float64)
    for name, array in (
        ("cluster_latitude", latitude),
        ("cluster_longitude", longitude),
        ("coastal_share", share),
    ):
        if array is not None and array.shape != (n_clusters,):
            raise ValueError(
                f"{name} has shape {array.shape}; expected one value per cluster ({n_clusters},)."
            )
    if not (math.isfinite(overall_latitude) and math.isfinite(overall_longitude)):
        raise ValueError(
            f"the overall centre ({overall_latitude}, {overall_longitude}) is not a finite "
            "latitude and longitude."
        )
    locations = _location_words(latitude, longitude, overall_latitude, overall_longitude, share)
    labels = [labels_of_columns.get(column, column.replace("_", " ")) for column in scores.columns]
    differences = np.nan_to_num(scores.standardised, nan=0.0)
    order = np.argsort(-np.abs(differences), axis=1, kind="stable")
    strongest = [
        [
            f"{'high' if row[column] > 0 else 'low'} {labels[column]}"
            for column in ranked[:3]
            if row[column] != 0
        ]
        for row, ranked in zip(differences, order, strict=True)
    ]

    def name_with(cluster: int, n_words: int) -> str:
        location = locations[cluster]
        parts = ([location] if location else []) + strongest[cluster][:n_words]
        return _shortened(", ".join(parts) or "Average", MAX_NAME_LENGTH)

    names = [name_with(cluster, 2) for cluster in range(n_clusters)]
    repeated = {name for name in names if names.count(name) > 1}
    names = [name_with(c, 3) if name in repeated else name for c, name in enumerate(names)]
    distinct: list[str] = []
    for name in names:
        candidate, number = name, 1
        while candidate in distinct:
            number += 1
            suffix = f" {number}"
            candidate = _shortened(name, MAX_NAME_LENGTH - len(suffix)) + suffix
        distinct.append(candidate)
    return distinct
