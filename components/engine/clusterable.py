"""Whether k clusters can be formed from the places on the chosen features.

Pure Python (no Streamlit). :func:`check_clusterable` is separate from reading the file
(:mod:`components.engine.upload`) because it depends on the features and k the user chooses:
enough rows with a value for every feature, no constant feature, enough distinct places. Its
:class:`~components.engine.upload.PlacesError` says what would help.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral

import numpy as np

from components.engine.clustering import n_distinct_rows
from components.engine.features import missing_by_name
from components.engine.upload import PlacesData, PlacesError

__all__ = ["check_clusterable"]


def _too_few_rows(features: list[str], values: np.ndarray, k: int) -> str:
    """Why there are too few rows for k clusters, and what would help (only what would).

    k-means into k clusters needs k + 1 places at least (k clusters of one place each are
    no grouping); the fewest clusters is 2, so a file needs 3 places. Fewer features help
    only when a chosen feature is empty in some rows, and a smaller k only when one of at
    least 2 fits.
    """
    n_rows = len(values)
    n_usable = int(np.isfinite(values).all(axis=1).sum())
    empty, _ = missing_by_name(features, values)
    if empty:
        counts = ", ".join(f"'{name}' is empty in {count:,}" for name, count in empty.items())
        said = (
            f"Only {n_usable:,} of the {n_rows:,} places {'has' if n_usable == 1 else 'have'} a "
            "value for every chosen feature "
            f"({counts}); k-means needs at least {k + 1} to form {k} clusters."
        )
    else:
        said = (
            f"The file has {n_rows:,} place{'s' if n_rows != 1 else ''} with coordinates; "
            f"k-means needs at least {k + 1} to form {k} clusters"
            + (" (2 clusters is the fewest)." if k == 2 else ".")
        )
    fixes = []
    if n_usable - 1 >= 2:
        fixes.append(f"choose k = {n_usable - 1} or fewer")
    if empty and n_rows > k:
        names = ", ".join(f"'{name}'" for name in empty)
        fixes.append(
            f"leave out {names} or fill in {'its' if len(empty) == 1 else 'their'} empty cells"
        )
    fixes.append("add places to the file")
    advice = ", or ".join(fixes)
    return f"{said} {advice[:1].upper()}{advice[1:]}."


def check_clusterable(
    places: PlacesData,
    features: Sequence[str],
    n_clusters: int,
    *,
    missing: str = "exclude",
    label_of: Callable[[str], str] = str,
) -> None:
    """Check that k clusters can be formed from the places on the chosen features.

    Parameters
    ----------
    places : PlacesData
        Result of :func:`components.engine.upload.read_places`.
    features : sequence of str
        Columns to cluster on, from ``places.numeric_columns`` (coordinates allowed).
    n_clusters : int
        The requested k (at least 2).
    missing : {"exclude", "median"}
        Whether rows with an empty feature are left out or filled with its median.
    label_of : callable
        How a message names a column (the file's own name of a renamed one).

    Raises
    ------
    PlacesError
        When they cannot: what is wrong and what would help.
    """
    chosen = list(dict.fromkeys(features))  # keep order, drop repeats
    if not chosen:
        raise PlacesError("No feature is chosen; choose at least one column to cluster on.")
    unknown = [name for name in chosen if name not in places.numeric_columns]
    if unknown:
        raise PlacesError(
            f"Feature(s) {', '.join(map(label_of, unknown))} are not numeric columns of the "
            f"file; choose from {', '.join(map(label_of, places.numeric_columns))}."
        )
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, Integral) or n_clusters < 2:
        raise PlacesError(f"k={n_clusters!r} is invalid; choose an integer of at least 2.")
    k = int(n_clusters)
    values = places.frame[chosen].to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    if missing == "median" and finite.any(axis=0).all():
        # Filled with each column's median, every row is clustered.
        values = np.where(finite, values, np.nanmedian(values, axis=0))
        finite = np.ones_like(finite)
    usable = finite.all(axis=1)
    n_usable = int(usable.sum())
    if n_usable <= k:
        raise PlacesError(_too_few_rows([label_of(name) for name in chosen], values, k))
    used = values[usable]
    constant = [label_of(name) for index, name in enumerate(chosen) if np.ptp(used[:, index]) == 0]
    if constant and len(constant) == len(chosen):
        raise PlacesError(
            f"The {n_usable:,} places have the same value of every chosen feature "
            f"({', '.join(constant)}), so nothing tells them apart. Choose features whose "
            "values differ from place to place."
        )
    if constant:
        raise PlacesError(
            f"Feature(s) {', '.join(constant)} have the same value in every row, so they cannot "
            "separate places; remove them from the features."
        )
    # Counting stops at 15 (the largest k): a million distinct rows are not sorted for it.
    n_distinct = n_distinct_rows(used, at_most=max(k, 15))
    if n_distinct < k:
        raise PlacesError(
            f"The places are only {n_distinct:,} distinct points on the chosen features, and "
            f"k={k} clusters need at least {k}. Choose k = {n_distinct} or fewer, or add "
            "features that tell the places apart."
        )
