"""Parameter validation for the engine: one checker per kind of argument.

Pure Python (no Streamlit), in the spirit of scikit-learn's parameter validation: a public
function validates its arguments once, with these checkers, and hands plain values to private
helpers that trust them. Every error is a ``ValueError`` that names the argument, the bad value
and what is accepted, e.g. ``n_clusters=20 is out of range; expected an integer in [2, 15].``

Wording, kept the same everywhere:

- a value of the wrong type "is not an integer" (or "is out of range" for a number, since
  ``"0.1"`` and ``nan`` are as unusable as ``-1``);
- a value outside a closed range ``[low, high]`` "is out of range; expected an integer in
  [low, high]"; a value below a lower bound with no upper one "is invalid; expected an integer
  >= low";
- ranges of numbers show open ends with round brackets: ``(0, 1]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import ClassVar, Literal, TypeGuard

import numpy as np
import pandas as pd

__all__ = [
    "RANDOM_STATE_RANGE",
    "PerK",
    "check_float",
    "check_int",
    "check_n_init",
    "check_random_state",
    "validate_cluster_ids",
    "validate_frame_labels",
    "validate_k_values",
    "validate_matrix",
    "validate_n_clusters",
]

NInit = int | Literal["auto"]

RANDOM_STATE_RANGE = (0, 2**32 - 1)  # the seeds numpy's legacy RandomState accepts


def _is_integer(value: object) -> TypeGuard[Integral]:
    # bool is an Integral, but True as a count or a seed is always a mistake.
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_int(
    value: object, name: str, low: int, high: int | None = None, *, alternatives: str = ""
) -> int:
    """Return ``value`` as an int if it is an integer in ``[low, high]``, else raise ``ValueError``.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The argument's name, quoted in the message.
    low : int
        Smallest accepted value.
    high : int, optional
        Largest accepted value; None for no upper bound.
    alternatives : str
        Other accepted values the caller handles itself, quoted before the range in the message
        (e.g. ``"'auto' or "``).

    Returns
    -------
    int
        ``value`` as a Python int.
    """
    bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
    expected = f"expected {alternatives}an integer {bounds}."
    if not _is_integer(value):
        raise ValueError(f"{name}={value!r} is not an integer; {expected}")
    number = int(value)
    if number < low or (high is not None and number > high):
        problem = "is invalid" if high is None else "is out of range"
        raise ValueError(f"{name}={number} {problem}; {expected}")
    return number


def check_float(
    value: object,
    name: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it is a finite number in the range, else raise ``ValueError``.

    Parameters
    ----------
    value : object
        The argument to check (an int or a float; not a bool or a string).
    name : str
        The argument's name, quoted in the message.
    low, high : float
        Ends of the accepted range.
    low_open, high_open : bool
        Exclude that end (``(low, ...`` / ``..., high)``); by default both ends are included.

    Returns
    -------
    float
        ``value`` as a Python float.
    """
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    message = (
        f"{name}={value!r} is out of range; expected a number in {left}{low:g}, {high:g}{right}."
    )
    number = math.nan if isinstance(value, bool) or not isinstance(value, Real) else float(value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if not np.isfinite(number) or too_low or too_high:
        raise ValueError(message)
    return number


def check_random_state(value: object, high: int = RANDOM_STATE_RANGE[1]) -> int:
    """Return a seed as an int in ``[0, high]`` (default ``2**32 - 1``), else raise ``ValueError``.

    Parameters
    ----------
    value : object
        The ``random_state`` argument.
    high : int
        Largest accepted seed; lower it when further seeds are derived as ``seed + i``.

    Returns
    -------
    int
        The seed.
    """
    return check_int(value, "random_state", RANDOM_STATE_RANGE[0], high)


def check_n_init(value: object, high: int | None = None) -> NInit:
    """Return scikit-learn's ``n_init``: ``'auto'`` or an integer in ``[1, high]``.

    Parameters
    ----------
    value : object
        The ``n_init`` argument.
    high : int, optional
        Most initialisations accepted; None for no upper bound.

    Returns
    -------
    'auto' or int
        ``'auto'`` unchanged, or the number of initialisations.
    """
    if isinstance(value, str) and value == "auto":
        return "auto"
    return check_int(value, "n_init", 1, high, alternatives="'auto' or ")


class PerK:
    """A result whose per-k arrays are indexed like its ``k_values`` (a mixin of dataclasses)."""

    k_values: tuple[int, ...]
    # What holds the k's, named by the message of a k it does not hold.
    k_holder: ClassVar[str] = "the sweep"

    def index_of(self, k: int) -> int:
        """Return the position of ``k`` in ``k_values``.

        Parameters
        ----------
        k : int
            Number of clusters.

        Returns
        -------
        int
            Index into the per-k arrays.

        Raises
        ------
        ValueError
            When ``k`` is not one of ``k_values`` (the message names them and their range).
        """
        if _is_integer(k) and int(k) in self.k_values:
            return self.k_values.index(int(k))
        raise ValueError(
            f"k={k!r} is not in {self.k_holder}; expected one of {list(self.k_values)} "
            f"(range [{self.k_values[0]}, {self.k_values[-1]}])."
        )


def validate_matrix(X: object, *, name: str = "X", min_rows: int = 3) -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array or raise ``ValueError``.

    Parameters
    ----------
    X : array-like
        Data matrix, shape ``(n_samples, n_features)``.
    name : str
        Name used in error messages.
    min_rows : int
        Fewest rows accepted.

    Returns
    -------
    np.ndarray
        C-contiguous float64 copy or view of ``X``.
    """
    try:
        array = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a numeric 2-D array; got {type(X).__name__}.") from error
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got an array with ndim={array.ndim}."
        )
    if array.shape[1] < 1:
        raise ValueError(f"{name} has 0 features; expected at least 1 column.")
    if array.shape[0] < min_rows:
        raise ValueError(
            f"{name} has n_samples={array.shape[0]} rows; expected at least {min_rows}."
        )
    finite = np.isfinite(array)
    if not finite.all():
        bad_rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad_rows.size} row(s) "
            f"(first at row {int(bad_rows[0])}); remove or impute them first."
        )
    return array


def validate_n_clusters(n_clusters: object, n_samples: int, n_distinct: int | None = None) -> int:
    """Check that ``n_clusters`` is an integer in ``[2, n_samples - 1]`` (and <= distinct rows).

    Parameters
    ----------
    n_clusters : object
        Requested number of clusters.
    n_samples : int
        Number of rows to cluster.
    n_distinct : int, optional
        Number of distinct rows; ``k`` cannot exceed it.

    Returns
    -------
    int
        ``n_clusters`` as a Python int.
    """
    upper = n_samples - 1 if n_distinct is None else min(n_samples - 1, n_distinct)
    detail = "" if n_distinct is None else f" (X has {n_samples} rows, {n_distinct} distinct)"
    if not _is_integer(n_clusters):
        raise ValueError(
            f"n_clusters={n_clusters!r} is not an integer; expected an integer in "
            f"[2, {upper}]{detail}."
        )
    value = int(n_clusters)
    if upper < 2:
        raise ValueError(
            f"n_clusters={value} cannot be used: at least 3 rows with at least 2 distinct "
            f"values are needed{detail}."
        )
    if not 2 <= value <= upper:
        raise ValueError(
            f"n_clusters={value} is out of range; expected an integer in [2, {upper}]{detail}."
        )
    return value


def validate_k_values(
    k_values: Iterable[object], n_samples: int, n_distinct: int | None = None, *, sort: bool
) -> tuple[int, ...]:
    """Check a list of distinct k's, each valid for :func:`validate_n_clusters`.

    Parameters
    ----------
    k_values : iterable of int
        The requested numbers of clusters; not empty, no repeats.
    n_samples : int
        Number of rows to cluster.
    n_distinct : int, optional
        Number of distinct rows; no k may exceed it.
    sort : bool
        True: accept any order and return the k's ascending (for a caller whose results are
        indexed by the returned tuple). False: reject k's that are not ascending (for a caller
        that pairs ``k_values`` by position with other input, such as one row of labels per k,
        which sorting would silently misalign).

    Returns
    -------
    tuple[int, ...]
        The k's, ascending.
    """
    try:
        requested = list(k_values)
    except TypeError as error:
        raise ValueError(
            f"k_values={k_values!r} is not a sequence of integers; expected e.g. range(2, 16)."
        ) from error
    if not requested:
        raise ValueError("k_values is empty; expected at least one integer k.")
    checked = [validate_n_clusters(k, n_samples, n_distinct) for k in requested]
    if len(set(checked)) != len(checked):
        raise ValueError(f"k_values={requested} contains duplicates; expected distinct k's.")
    ascending = sorted(checked)
    if not sort and checked != ascending:
        raise ValueError(f"k_values={requested} is not ascending; expected ascending k's.")
    return tuple(ascending)


def _check_integer_ids(ids: np.ndarray, name: str = "labels") -> None:
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} must hold integer cluster ids; got dtype {ids.dtype}.")


def validate_cluster_ids(labels: object, name: str = "labels") -> np.ndarray:
    """Return 1-D non-negative integer cluster ids as int64, or raise ``ValueError``.

    Parameters
    ----------
    labels : array-like
        Cluster id per row.
    name : str
        Name used in error messages.

    Returns
    -------
    np.ndarray
        The ids as int64 (a view when they already are).
    """
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got ndim={array.ndim}.")
    _check_integer_ids(array, name)
    if array.size and array.min() < 0:
        raise ValueError(f"{name} contains a negative id ({int(array.min())}); expected >= 0.")
    return array.astype(np.int64, copy=False)


def validate_frame_labels(frame: pd.DataFrame, labels: object) -> np.ndarray:
    """Check that ``labels`` holds one integer cluster id per row of the DataFrame ``frame``.

    Negative ids are allowed: they mark rows that were not clustered.

    Parameters
    ----------
    frame : pd.DataFrame
        The rows the labels belong to, aligned by position.
    labels : array-like of int
        Cluster id per row.

    Returns
    -------
    np.ndarray
        The ids as an array, dtype unchanged.
    """
    ids = np.asarray(labels)
    if ids.shape != (len(frame),):
        raise ValueError(
            f"labels has shape {ids.shape}; expected one id per frame row ({len(frame)},)."
        )
    _check_integer_ids(ids)
    return ids


def clustered_values(
    values: object, labels: object, *, name: str = "values", drop_non_finite: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Check a value per point against its cluster id and keep the clustered points.

    Parameters
    ----------
    values, labels : array-like, shape (n,)
        A number and an integer cluster id per point (negative ids: not clustered, dropped).
    name : str, default="values"
        How the error messages call ``values`` (the caller's parameter name).
    drop_non_finite : bool, default=False
        Also drop the points whose value is NaN or infinite.

    Returns
    -------
    values : np.ndarray
        float64 values of the kept points.
    ids : np.ndarray
        int64 cluster ids of the same points.
    """
    numbers = np.asarray(values, dtype=np.float64)
    ids = np.asarray(labels)
    if numbers.ndim != 1 or ids.shape != numbers.shape:
        raise ValueError(
            f"{name} has shape {numbers.shape} and labels {ids.shape}; expected two 1-D "
            "arrays of the same length."
        )
    _check_integer_ids(ids)
    keep = ids >= 0
    if drop_non_finite:
        keep &= np.isfinite(numbers)
    return numbers[keep], ids[keep].astype(np.int64)
