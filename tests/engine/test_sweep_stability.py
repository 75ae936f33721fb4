"""Tests of components.engine.sweep_stability: the seed fold and one k against its sweep."""

from __future__ import annotations

import numpy as np

from components.engine.sweep.run import sweep_k
from components.engine.sweep_stability import STABILITY_SEED_MODULUS, stability_of_one_k


def test_the_largest_seeds_are_folded_below_the_modulus() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    reference = sweep_k(X, [3], random_state=0)
    folded = stability_of_one_k(X, reference, 3, random_state=2**32 - 1, n_init="auto")
    # 2**32 - 1 - (2**32 - 102) = 101
    same = stability_of_one_k(X, reference, 3, random_state=101, n_init="auto")
    assert 2**32 - 1 - STABILITY_SEED_MODULUS == 101
    assert folded.method == same.method
    assert folded.per_k == same.per_k


def test_two_far_apart_groups_are_perfectly_stable_at_k2() -> None:
    # Two tight groups 100 units apart: every rerun finds the same two groups, so every
    # adjusted Rand index against the sweep's clustering is exactly 1.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0.0, 0.1, (30, 2)), rng.normal(100.0, 0.1, (30, 2))])
    reference = sweep_k(X, [2, 3], random_state=0)
    result = stability_of_one_k(X, reference, 2, random_state=2**32 - 1, n_init="auto")
    assert result.k_values == (2,)
    assert result.ari_mean.tolist() == [1.0]
    assert result.ari_min.tolist() == [1.0]
    assert result.flagged == ()
