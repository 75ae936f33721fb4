"""Tests of components.engine.partitions: overlap, Hungarian matching and the ARI."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from components.engine.partitions import (
    adjusted_rand,
    align_to_truth,
    contingency_table,
    match_labels,
    match_overlap,
)

# --- match_labels -----------------------------------------------------------------------------


def test_match_labels_toy_keeps_ids_and_gives_new_cluster_next_id() -> None:
    previous = np.array([0, 0, 0, 1, 1, 1])
    new = np.array([1, 1, 2, 0, 0, 0])
    # new 1 overlaps old 0 most, new 0 is old 1, new 2 is the newcomer -> id 2.
    np.testing.assert_array_equal(match_labels(previous, new, 3), [0, 0, 2, 1, 1, 1])


def test_match_labels_is_invariant_to_renaming_the_new_ids() -> None:
    rng = np.random.default_rng(0)
    previous = rng.integers(0, 4, size=200)
    new = np.where(rng.random(200) < 0.8, previous, rng.integers(0, 5, size=200))
    matched = match_labels(previous, new, 5)
    renamed = np.array([3, 0, 4, 1, 2])[new]
    np.testing.assert_array_equal(match_labels(previous, renamed, 5), matched)
    # Kept clusters keep their id: the diagonal holds the 80 % that did not move.
    for j in range(4):
        assert np.mean(matched[previous == j] == j) > 0.6


def test_match_labels_maximises_total_overlap_by_brute_force() -> None:
    rng = np.random.default_rng(5)
    previous = rng.integers(0, 4, size=300)
    new = rng.integers(0, 5, size=300)
    matched = match_labels(previous, new, 5)
    overlap = np.zeros((4, 5), dtype=int)
    np.add.at(overlap, (previous, new), 1)
    best = max(
        sum(overlap[old, col] for old, col in enumerate(assignment))
        for assignment in itertools.permutations(range(5), 4)
    )
    assert sum(np.sum((previous == j) & (matched == j)) for j in range(4)) == best
    assert set(matched.tolist()) == set(range(5))


def test_match_labels_with_fewer_clusters_compacts_ids() -> None:
    previous = np.array([0, 0, 1, 1, 2, 2])
    new = np.array([0, 0, 1, 1, 1, 1])  # old 1 and old 2 merged
    np.testing.assert_array_equal(match_labels(previous, new, 2), [0, 0, 1, 1, 1, 1])


def test_match_labels_validation() -> None:
    with pytest.raises(ValueError, match="previous_labels has 2 rows but labels has 3"):
        match_labels(np.array([0, 1]), np.array([0, 1, 1]), 2)
    with pytest.raises(ValueError, match=r"labels contains id 3; expected ids in \[0, 1\]"):
        match_labels(np.array([0, 1, 0]), np.array([0, 3, 1]), 2)


@pytest.mark.parametrize(("n_previous", "n_new"), [(3, 5), (4, 4), (5, 3)])
def test_match_overlap_on_the_table_equals_match_labels(n_previous: int, n_new: int) -> None:
    rng = np.random.default_rng(n_previous * 10 + n_new)
    previous = rng.integers(0, n_previous, size=400)
    new = np.where(rng.random(400) < 0.7, previous % n_new, rng.integers(0, n_new, size=400))
    key = rng.normal(size=400)
    means = np.bincount(new, weights=key, minlength=n_new) / np.bincount(new, minlength=n_new)
    table = contingency_table(previous, new, n_previous, n_new)
    np.testing.assert_array_equal(
        match_overlap(table, means)[new], match_labels(previous, new, n_new, order_key=key)
    )


def test_match_overlap_validation() -> None:
    with pytest.raises(ValueError, match=r"overlap has shape \(3,\)"):
        match_overlap(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="negative or non-finite counts"):
        match_overlap(np.array([[1, -2], [0, 4]]))
    with pytest.raises(ValueError, match=r"unmatched_rank has shape \(3,\); expected \(2,\)"):
        match_overlap(np.array([[1, 2], [0, 4]]), np.zeros(3))


# --- contingency table and adjusted Rand index -------------------------------------------------


def test_contingency_table_counts_pairs_by_hand() -> None:
    table = contingency_table(np.array([0, 0, 1, 1, 1]), np.array([1, 0, 0, 0, 2]))
    assert table.tolist() == [[1, 1, 0], [2, 0, 1]]


def test_contingency_table_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        contingency_table(np.array([0, 1]), np.array([0, 1, 1]))


def test_adjusted_rand_hand_computed() -> None:
    # Table [[2, 0], [1, 1]]: pairs in cells 1, rows 1 + 1 = 2, cols 3 + 0 = 3, total 6.
    # expected = 2 * 3 / 6 = 1, max = 2.5 -> ARI = (1 - 1) / (2.5 - 1) = 0.
    assert adjusted_rand(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])) == pytest.approx(0.0)
    assert adjusted_rand(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0])) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_adjusted_rand_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 500)
    b = np.where(rng.uniform(size=500) < 0.7, a, rng.integers(0, 6, 500))
    assert adjusted_rand(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_adjusted_rand_trivial_partitions_match_scikit_learn() -> None:
    one = np.zeros(6, dtype=int)
    singletons = np.arange(6)
    assert adjusted_rand(one, one) == adjusted_rand_score(one, one) == 1.0
    assert adjusted_rand(singletons, singletons) == adjusted_rand_score(singletons, singletons)
    assert adjusted_rand(one, singletons) == pytest.approx(adjusted_rand_score(one, singletons))


# --- align_to_truth ---------------------------------------------------------------------------


def test_align_to_truth_hand_example() -> None:
    labels = np.array([1, 1, 0, 0, -1, 2, 2, 2])
    truth = np.array([0, 0, 1, 1, 1, 1, 1, 1])
    # cluster 2 overlaps group 1 most (3 points), cluster 1 overlaps group 0;
    # cluster 0 is left over and gets the next free id 2
    np.testing.assert_array_equal(align_to_truth(labels, truth), [0, 0, 2, 2, -1, 1, 1, 1])
    np.testing.assert_array_equal(align_to_truth(np.full(3, -1), np.zeros(3)), [-1, -1, -1])


def test_align_to_truth_breaks_ties_by_its_table_layout() -> None:
    # Clusters 0 and 2 each hold one point of group 2 (group 1 only has a noise point), so
    # {0 -> 2, 2 -> 1} and {0 -> 1, 2 -> 2} overlap equally. With the clusters on the rows of the
    # table, align_to_truth's layout, cluster 0 takes group 2.
    np.testing.assert_array_equal(
        align_to_truth(np.array([2, -1, 0]), np.array([2, 1, 2])), [1, -1, 2]
    )
