"""Stability of one k of a sweep, its reference being the clustering that sweep found."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from components.engine.clustering import NInit
from components.engine.stability import SAMPLE_FRACTION, StabilityResult, stability_across_k
from components.engine.sweep.run import SweepResult

# stability_across_k derives up to 101 further seeds from its seed, which must stay below 2**32.
STABILITY_SEED_MODULUS = 2**32 - 102


def checkable_k_values(k_values: Sequence[int], n_rows: int) -> tuple[int, ...]:
    """The k's whose stability can be checked: each refit sees a subset of the rows.

    Parameters
    ----------
    k_values : sequence of int
        The sweep's k's.
    n_rows : int
        The rows the sweep was fitted on.

    Returns
    -------
    tuple of int
        The k's below the rows of a subset (:data:`SAMPLE_FRACTION` of them).
    """
    n_drawn = max(2, round(SAMPLE_FRACTION * n_rows))
    return tuple(k for k in k_values if k <= n_drawn - 1)


def stability_of_one_k(
    X: np.ndarray, reference: SweepResult, k: int, *, random_state: int, n_init: NInit
) -> StabilityResult:
    """Refit k-means at one k and compare each rerun with the sweep's clustering at k.

    Parameters
    ----------
    X : numpy.ndarray
        The scaled rows the sweep was fitted on.
    reference : SweepResult
        The sweep whose labels at ``k`` are the reference (same colours as its map).
    k : int
        A k of the sweep.
    random_state : int
        The model's seed, in [0, 2**32 - 1]; folded modulo ``STABILITY_SEED_MODULUS`` (unchanged
        below it).
    n_init : 'auto' or int
        Starts per refit.

    Returns
    -------
    StabilityResult
        The stability of that k alone; one result per k of a sweep joins into the result
        of one run over all of them.
    """
    index = reference.index_of(k)
    return stability_across_k(
        X,
        [k],
        reference_labels=reference.labels[index : index + 1],
        random_state=random_state % STABILITY_SEED_MODULUS,
        n_init=n_init,
    )
