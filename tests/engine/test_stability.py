"""Tests for components.engine.stability: stability across k, splits/merges, merging per-k
results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from components.engine import stability
from components.engine.partitions import adjusted_rand
from components.engine.stability import (
    MEAN_ARI_THRESHOLD,
    MIN_ARI_THRESHOLD,
    StabilityResult,
    _cluster_changes,
    merge_stability_results,
    stability_across_k,
)
from components.engine.sweep.run import fit_sweep


def _blobs(n_per_blob: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [20.0, 0.0], [10.0, 17.0]])
    return np.vstack([centre + rng.normal(0, 1.0, (n_per_blob, 2)) for centre in centres])


def _disc(n: int = 600, seed: int = 1) -> np.ndarray:
    """Uniform points in a disc: rotationally symmetric, so k-means has no preferred split."""
    rng = np.random.default_rng(seed)
    radius = np.sqrt(rng.uniform(0, 1, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _stability(X: np.ndarray, k_values: Iterable[int], **kwargs: Any) -> StabilityResult:
    """Stability with the sweep's clustering (same seed and starts) as the reference."""
    ks = list(k_values)
    seed, starts = kwargs.get("random_state", 0), kwargs.get("n_init", "auto")
    reference = fit_sweep(X, ks, random_state=seed, n_init=starts).labels
    return stability_across_k(X, ks, reference_labels=reference, **kwargs)


# --------------------------------------------------------------------------- stability


def test_well_separated_blobs_are_reproducible_at_the_true_k() -> None:
    result = _stability(_blobs(), range(2, 6), n_runs=4, n_resamples=4)
    three = result.for_k(3)
    assert three.reproducible
    assert three.ari_min == pytest.approx(1.0)
    assert 3 not in result.flagged
    assert all(c.verdict == "stable" for c in three.clusters)
    table = three.cluster_table()
    assert list(table["cluster"]) == [0, 1, 2]
    assert list(table["verdict"]) == ["stable"] * 3
    assert table["jaccard_mean"].min() == pytest.approx(1.0)
    assert [c.size for c in three.clusters] == [60, 60, 60]


def test_rotationally_symmetric_disc_is_flagged() -> None:
    result = _stability(_disc(), (3, 5), n_runs=5, n_resamples=5, random_state=3)
    assert 5 in result.flagged
    entry = result.for_k(5)
    assert not entry.reproducible
    assert entry.reason is not None and "ARI" in entry.reason
    assert "not reproducible" in entry.summary


def test_ari_counts_and_summary_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    found: list[float] = []

    def recording(first: np.ndarray, second: np.ndarray) -> float:
        found.append(adjusted_rand(first, second))
        return found[-1]

    monkeypatch.setattr(stability, "adjusted_rand", recording)
    result = _stability(_blobs(), (2, 3, 4), n_runs=3, n_resamples=2)
    per_k = 4 * 3 // 2 + 2  # pairs among reference + 3 seed runs, then 2 resample runs
    assert len(found) == 3 * per_k
    for index, entry in enumerate(result.per_k):
        values = np.array(found[index * per_k : (index + 1) * per_k])
        assert entry.ari_mean == result.ari_mean[index]
        assert result.ari_mean[index] == pytest.approx(values.mean())
        assert result.ari_min[index] == pytest.approx(values.min())
        assert result.ari_max[index] == pytest.approx(values.max())
        assert result.ari_std[index] == pytest.approx(values.std())
    assert "random 80% subsets of the rows (144 rows)" in result.method
    table = result.table()
    assert list(table["k"]) == [2, 3, 4]
    assert list(table.columns) == ["k", "ari_mean", "ari_std", "ari_min", "ari_max", "reproducible"]


def test_flag_follows_documented_thresholds() -> None:
    assert (MEAN_ARI_THRESHOLD, MIN_ARI_THRESHOLD) == (0.80, 0.65)
    result = _stability(_disc(), (2, 3, 4, 5, 6), n_runs=3, n_resamples=3)
    for entry in result.per_k:
        expected = entry.ari_mean >= 0.80 and entry.ari_min >= 0.65
        assert entry.reproducible == expected
        assert (entry.k in result.flagged) == (not expected)
    assert (result.mean_threshold, result.min_threshold) == (0.80, 0.65)


def test_same_seed_gives_the_same_result() -> None:
    first = _stability(_disc(), (3, 4), n_runs=2, n_resamples=2, random_state=7)
    second = _stability(_disc(), (3, 4), n_runs=2, n_resamples=2, random_state=7)
    np.testing.assert_array_equal(first.ari_mean, second.ari_mean)
    np.testing.assert_array_equal(first.ari_min, second.ari_min)


def test_reference_labels_define_the_cluster_ids() -> None:
    X = _blobs()
    reference = np.repeat([[2, 0, 1]], 60, axis=1)  # blob 0 -> id 2, blob 1 -> id 0, ...
    result = stability_across_k(X, (3,), n_runs=2, n_resamples=2, reference_labels=reference)
    assert result.for_k(3).ari_min == pytest.approx(1.0)
    assert [c.cluster for c in result.for_k(3).clusters] == [0, 1, 2]


def test_large_data_fits_on_a_fixed_subset_and_says_so() -> None:
    X = _blobs(400)
    result = _stability(X, (3,), n_runs=2, n_resamples=2, max_fit_rows=300)
    assert result.fit_rows == 300 and result.n_samples == 1200
    assert "300 randomly chosen rows" in result.method
    assert "random subsets of 240 rows" in result.method  # 80% of the 300 fit rows
    assert result.for_k(3).clusters[0].size == 400  # all rows are compared


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_runs": -1}, "n_runs=-1 is out of range"),
        ({"n_runs": 0, "n_resamples": 0}, "at least one rerun"),
        ({"k_values": (4, 3)}, "not ascending"),
        ({"k_values": (3, 3)}, "duplicates"),
        ({"k_values": ()}, "k_values is empty"),
        ({"k_values": (1,)}, "n_clusters=1 is out of range"),
        ({"reference_labels": np.zeros((2, 5), dtype=int)}, "reference_labels has shape"),
    ],
)
def test_invalid_arguments_name_the_problem(kwargs: dict, message: str) -> None:
    arguments = {"k_values": (2, 3), "reference_labels": np.zeros((2, 180), dtype=int), **kwargs}
    with pytest.raises(ValueError, match=message):
        stability_across_k(_blobs(), **arguments)


def test_reference_ids_out_of_range_are_rejected() -> None:
    bad = np.full((1, 180), 3)
    with pytest.raises(ValueError, match=r"expected ids in \[0, 2\]"):
        stability_across_k(_blobs(), (3,), reference_labels=bad)


# --------------------------------------------------------------------------- split / merge


def test_split_and_merge_are_detected_from_the_contingency_table() -> None:
    reference = np.array([0] * 10 + [1] * 10 + [2] * 10)
    # Rerun: cluster 0 splits 5/5 into 0 and 1; clusters 1 and 2 both go wholly to 2.
    rerun = np.array([0] * 5 + [1] * 5 + [2] * 20)
    clusters = _cluster_changes(reference, [rerun, reference.copy()], 3)
    assert clusters[0].split_share == pytest.approx(0.5)
    assert clusters[1].split_share == 0.0
    assert clusters[1].merge_share == pytest.approx(0.5)
    assert clusters[1].merged_with == (2,)
    assert clusters[2].merged_with == (1,)
    assert clusters[0].merged_with == ()
    # Jaccard of cluster 0 with its best rerun cluster: 5 / (10 + 5 - 5) = 0.5, then 1.0.
    assert clusters[0].jaccard_mean == pytest.approx(0.75)
    assert clusters[0].jaccard_min == pytest.approx(0.5)
    # Cluster 1: 10 / (10 + 20 - 10) = 0.5, then 1.0.
    assert clusters[1].jaccard_min == pytest.approx(0.5)
    assert clusters[0].verdict == "stable"


def test_a_small_leak_is_neither_a_split_nor_a_merge() -> None:
    reference = np.array([0] * 10 + [1] * 10)
    rerun = np.array([0] * 9 + [1] * 11)  # one row (10%) leaks: below the 20% split share
    clusters = _cluster_changes(reference, [rerun], 2)
    assert clusters[0].split_share == 0.0
    assert clusters[0].merge_share == 0.0 and clusters[1].merge_share == 0.0


def test_unstable_verdict_below_hennigs_threshold() -> None:
    reference = np.array([0] * 10 + [1] * 10)
    rerun = np.array([0, 1] * 10)  # every cluster cut in half
    clusters = _cluster_changes(reference, [rerun], 2)
    assert clusters[0].jaccard_mean < 0.6
    assert clusters[0].verdict == "unstable"
    assert clusters[0].split_share == 1.0


# --------------------------------------------------------------------------- real data


@pytest.mark.slow
def test_real_data_subset_fit_agrees_with_full_fit(housing_frame: pd.DataFrame) -> None:
    X = StandardScaler().fit_transform(
        housing_frame[["latitude", "longitude", "median_house_value"]].to_numpy()
    )
    fast = _stability(X, (2, 3, 4), n_runs=3, n_resamples=3)
    full = _stability(X, (2, 3, 4), n_runs=3, n_resamples=3, max_fit_rows=None)
    assert fast.fit_rows == 5000 and full.fit_rows == 20640
    assert "5,000 randomly chosen rows of 20,640" in fast.method
    assert fast.flagged == full.flagged
    assert fast.for_k(2).reproducible and full.for_k(2).reproducible
    np.testing.assert_allclose(fast.ari_mean, full.ari_mean, atol=0.15)


def test_several_starts_make_the_real_data_reproducible(housing_frame: pd.DataFrame) -> None:
    X = StandardScaler().fit_transform(
        housing_frame[["latitude", "longitude", "median_house_value"]].to_numpy()
    )
    one = _stability(X, (3,), n_runs=3, n_resamples=3)
    several = _stability(X, (3,), n_runs=3, n_resamples=3, n_init=5)
    # With one start k=3 lands in different local minima; the best of 5 starts does not.
    assert 3 in one.flagged and several.flagged == ()
    assert several.for_k(3).ari_mean > one.for_k(3).ari_mean
    assert several.n_init == 5 and one.n_init == "auto"
    assert "best of 5 k-means++ starts" in several.method
    assert "one k-means++ start" in one.method


def test_invalid_n_init() -> None:
    with pytest.raises(
        ValueError, match=r"n_init=0 is out of range; expected 'auto' or an integer in \[1, 50\]"
    ):
        stability_across_k(_blobs(), (3,), reference_labels=np.zeros((1, 180), dtype=int), n_init=0)


# --------------------------------------------------------------------------- merging


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=600, centers=4, cluster_std=1.2, random_state=3)
    return X


@pytest.mark.slow
def test_per_k_stability_merges_to_the_joint_run(blobs: np.ndarray) -> None:
    ks = [2, 3, 4, 5]
    # A fixed reference partition per k, shared by the joint run and the per-k runs.
    reference = np.stack(
        [KMeans(n_clusters=k, n_init=1, random_state=0).fit(blobs).labels_ for k in ks]
    ).astype(np.int64)
    settings = {"n_runs": 3, "n_resamples": 3, "random_state": 7}
    joint = stability_across_k(blobs, ks, reference_labels=reference, **settings)
    parts = [
        stability_across_k(blobs, [k], reference_labels=reference[i : i + 1], **settings)
        for i, k in enumerate(ks)
    ]
    merged = merge_stability_results(parts)
    assert merged.k_values == tuple(ks)
    assert merged.flagged == joint.flagged
    np.testing.assert_array_equal(merged.ari_mean, joint.ari_mean)
    np.testing.assert_array_equal(merged.ari_min, joint.ari_min)
    assert merged.per_k == joint.per_k
    for mine, theirs in zip(merged.per_k, joint.per_k, strict=True):
        assert mine.cluster_table().equals(theirs.cluster_table())
    assert merged.seconds == pytest.approx(sum(part.seconds for part in parts))
    assert merged.method == joint.method


def test_merge_rejects_mixed_or_unordered_results(blobs: np.ndarray) -> None:
    one = _stability(blobs, [2], n_runs=2, n_resamples=0)
    other = _stability(blobs, [3], n_runs=3, n_resamples=0)
    with pytest.raises(ValueError, match="n_runs"):
        merge_stability_results([one, other])
    three = _stability(blobs, [3], n_runs=2, n_resamples=0)
    with pytest.raises(ValueError, match="ascending"):
        merge_stability_results([three, one])
    with pytest.raises(ValueError, match="empty"):
        merge_stability_results([])
