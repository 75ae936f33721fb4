"""Reading k off several criteria: the knee of the inertia curve, the best silhouette and CH."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class KSuggestion:
    """Which k the three criteria point to.

    Attributes
    ----------
    knee : int or None
        Knee (elbow) of the inertia curve by ``kneed.KneeLocator``; None if there is none.
    best_silhouette : int
        k with the highest silhouette (higher is better).
    best_calinski_harabasz : int
        k with the highest Calinski-Harabasz index (higher is better).
    agree : bool
        True when all three point to the same k.
    message : str
        Plain-language summary, saying when the criteria disagree.
    """

    knee: int | None
    best_silhouette: int
    best_calinski_harabasz: int
    agree: bool
    message: str


def _argmax_first(values: np.ndarray) -> int:
    finite = np.where(np.isfinite(values), values, -np.inf)
    return int(np.argmax(finite))


def suggest_k(
    k_values: Sequence[int],
    inertia: ArrayLike,
    silhouette: ArrayLike,
    calinski_harabasz: ArrayLike,
) -> KSuggestion:
    """Suggest k from the inertia knee, the best silhouette and the best Calinski-Harabasz.

    Parameters
    ----------
    k_values : sequence of int
        Ascending k's.
    inertia, silhouette, calinski_harabasz : array-like of float
        One value per k.

    Returns
    -------
    KSuggestion
        The three suggestions, whether they agree, and a plain-language message.
    """
    ks = [int(k) for k in k_values]
    inertia_array = np.asarray(inertia, dtype=np.float64)
    silhouette_array = np.asarray(silhouette, dtype=np.float64)
    ch_array = np.asarray(calinski_harabasz, dtype=np.float64)
    if not (len(ks) == inertia_array.size == silhouette_array.size == ch_array.size) or not ks:
        raise ValueError(
            "k_values, inertia, silhouette and calinski_harabasz must have the same "
            "non-zero length."
        )
    knee: int | None = None
    if len(ks) >= 3:
        from kneed import KneeLocator  # imported lazily: only the suggestion needs it

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kneed warns when it finds no knee
            locator = KneeLocator(ks, inertia_array, curve="convex", direction="decreasing")
        if locator.knee is not None:
            knee = int(locator.knee)
    best_sil = ks[_argmax_first(silhouette_array)]
    best_ch = ks[_argmax_first(ch_array)]
    sil_value = silhouette_array[ks.index(best_sil)]
    knee_text = (
        f"the inertia curve bends (knee) at k={knee}"
        if knee is not None
        else "the inertia curve has no clear knee in range"
    )
    details = (
        f"{knee_text}; the silhouette (higher is better) is highest at k={best_sil} "
        f"({sil_value:.3f}); Calinski-Harabasz (higher is better) is highest at k={best_ch}."
    )
    agree = knee is not None and knee == best_sil == best_ch
    if agree:
        message = f"All three criteria agree on k={knee}: {details}"
    elif knee is None and best_sil == best_ch:
        message = f"Silhouette and Calinski-Harabasz agree on k={best_sil}, but {knee_text}."
    else:
        candidates = sorted({k for k in (knee, best_sil, best_ch) if k is not None})
        listed = ", ".join(f"k={k}" for k in candidates)
        message = (
            f"The criteria disagree ({listed}): {details} Choose by what the map should show: "
            "fewer, broader regions or more, finer ones."
        )
    return KSuggestion(
        knee=knee,
        best_silhouette=best_sil,
        best_calinski_harabasz=best_ch,
        agree=agree,
        message=message,
    )
