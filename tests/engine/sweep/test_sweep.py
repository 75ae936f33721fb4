"""Tests of components.engine.sweep: exact silhouette via cells, stable ids, metrics, k choice."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)
from sklearn.preprocessing import StandardScaler

from components.engine.sweep import kernels, metrics
from components.engine.sweep.kernels import NUMBA_AVAILABLE, cell_distance_sums
from components.engine.sweep.metrics import (
    calinski_harabasz_davies_bouldin,
    silhouette_values,
    warm_up,
)
from components.engine.sweep.run import SweepResult, sweep_k
from components.engine.sweep.suggestions import suggest_k

FEATURES = ["latitude", "longitude", "median_house_value"]
K_VALUES = tuple(range(2, 16))


@pytest.fixture(scope="module")
def housing_scaled(housing_frame: pd.DataFrame) -> np.ndarray:
    return StandardScaler().fit_transform(housing_frame[FEATURES].to_numpy(dtype=np.float64))


@pytest.fixture(scope="module")
def housing_sweep(housing_scaled: np.ndarray) -> SweepResult:
    return sweep_k(housing_scaled, K_VALUES, random_state=0)


def _same_partition(first: np.ndarray, second: np.ndarray) -> bool:
    pairs = set(zip(first.tolist(), second.tolist(), strict=True))
    return len(pairs) == len(set(first.tolist())) == len(set(second.tolist()))


def _blobs(n_per: int = 40, seed: int = 0, n_features: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 4.0, size=(3, n_features))
    X = np.vstack([rng.normal(centre, 1.0, size=(n_per, n_features)) for centre in centres])
    return X, np.repeat([0, 1, 2], n_per)


# --- silhouette on toy data with hand-computed answers -----------------------------------------


def test_silhouette_values_toy_line_hand_computed() -> None:
    # Points 0, 1 | 4, 5. Point 0: a = 1, b = (4 + 5) / 2 = 4.5, s = 3.5 / 4.5 = 7/9.
    # Point 1: a = 1, b = (3 + 4) / 2 = 3.5, s = 5/7; symmetric for 5 and 4.
    X = np.array([[0.0], [1.0], [4.0], [5.0]])
    values = silhouette_values(X, np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(values, [7 / 9, 5 / 7, 5 / 7, 7 / 9], rtol=1e-15)


def test_silhouette_counts_duplicates_and_singletons_like_sklearn() -> None:
    # Two copies of 0 and a singleton at 3: copies have a = 0 / 1, b = 3 -> s = 1; singleton 0.
    X = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(silhouette_values(X, np.array([5, 5, 7])), [1.0, 1.0, 0.0])
    # Three copies and one other point in the same cluster: a = (0 + 0 + 2) / 3 for a copy.
    X = np.array([[0.0], [0.0], [0.0], [2.0], [10.0], [11.0]])
    labels = np.array([0, 0, 0, 0, 1, 1])
    values = silhouette_values(X, labels)
    np.testing.assert_allclose(values[0], (10.5 - 2 / 3) / 10.5)
    np.testing.assert_allclose(values, silhouette_samples(X, labels), atol=1e-15)


@pytest.mark.parametrize("n_features", [1, 2, 3, 5])
def test_silhouette_values_match_sklearn_for_each_kernel_path(n_features: int) -> None:
    X, labels = _blobs(n_per=70, seed=n_features, n_features=n_features)
    np.testing.assert_allclose(
        silhouette_values(X, labels), silhouette_samples(X, labels), atol=1e-12
    )


def test_numpy_fallback_equals_numba_path() -> None:
    X, labels = _blobs(n_per=300, seed=2)
    exact = silhouette_samples(X, labels)
    np.testing.assert_allclose(silhouette_values(X, labels, use_numba=False), exact, atol=1e-12)
    if NUMBA_AVAILABLE:
        np.testing.assert_allclose(silhouette_values(X, labels, use_numba=True), exact, atol=1e-12)


def test_cell_distance_sums_toy_hand_computed() -> None:
    # Cells {0, 1} and {4 (weight 2)}: row 0 -> [0 + 1, 2 * 4] etc.
    points = np.array([[0.0], [1.0], [4.0]])
    sums = cell_distance_sums(points, np.array([1.0, 1.0, 2.0]), np.array([0, 2, 3]))
    np.testing.assert_allclose(sums, [[1.0, 8.0], [1.0, 6.0], [7.0, 0.0]])


def test_cell_distance_sums_span_several_tiles() -> None:
    # 1,500 rows -> three 512-row tiles and an odd number of blocks in the round-robin.
    rng = np.random.default_rng(8)
    points = rng.normal(size=(1500, 3))
    cells = np.sort(rng.integers(0, 7, size=1500))
    cell_start = np.searchsorted(cells, np.arange(8))
    weights = rng.integers(1, 3, size=1500).astype(np.float64)
    sums = cell_distance_sums(points, weights, cell_start)
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    expected = np.stack(
        [(distances[:, cells == c] * weights[cells == c]).sum(axis=1) for c in range(7)], axis=1
    )
    np.testing.assert_allclose(sums, expected, rtol=1e-12)


# --- invariances -------------------------------------------------------------------------------


def test_silhouette_invariant_to_row_order_label_names_and_duplicate_rows() -> None:
    X, labels = _blobs(n_per=50, seed=4)
    base = silhouette_values(X, labels)
    order = np.random.default_rng(1).permutation(X.shape[0])
    np.testing.assert_allclose(silhouette_values(X[order], labels[order]), base[order], atol=1e-13)
    renamed = np.array([17, -3, 5])[labels]
    np.testing.assert_allclose(silhouette_values(X, renamed), base, atol=1e-13)
    doubled_X = np.vstack([X, X[:10]])
    doubled_labels = np.concatenate([labels, labels[:10]])
    np.testing.assert_allclose(
        silhouette_values(doubled_X, doubled_labels),
        silhouette_samples(doubled_X, doubled_labels),
        atol=1e-12,
    )


def test_sweep_metrics_invariant_to_row_order_of_identical_clusterings() -> None:
    X, _ = _blobs(n_per=60, seed=6)
    forward = sweep_k(X, [2, 3, 4], n_init=10)
    order = np.random.default_rng(2).permutation(X.shape[0])
    shuffled = sweep_k(X[order], [2, 3, 4], n_init=10)
    for k in (2, 3, 4):
        if _same_partition(forward.labels_for(k)[order], shuffled.labels_for(k)):
            i = forward.index_of(k)
            assert shuffled.silhouette[i] == pytest.approx(forward.silhouette[i], abs=1e-12)
            assert shuffled.inertia[i] == pytest.approx(forward.inertia[i], rel=1e-9)
    # The well-separated k=3 split is found from either order.
    assert _same_partition(forward.labels_for(3)[order], shuffled.labels_for(3))


# --- toy sweep -------------------------------------------------------------------------------


def _brute_silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    """Textbook silhouette with plain loops (independent of both implementations)."""
    values = []
    for i in range(len(X)):
        distance = {j: float(np.linalg.norm(X[i] - X[j])) for j in range(len(X))}
        own = [j for j in range(len(X)) if labels[j] == labels[i] and j != i]
        if not own:
            values.append(0.0)
            continue
        a = sum(distance[j] for j in own) / len(own)
        b = min(
            np.mean([distance[j] for j in range(len(X)) if labels[j] == other])
            for other in set(labels.tolist()) - {labels[i]}
        )
        values.append((b - a) / max(a, b))
    return float(np.mean(values))


def test_sweep_toy_line_hand_computed() -> None:
    X = np.array([[0.0], [1.0], [2.0], [5.0], [6.0], [12.0], [13.0]])
    result = sweep_k(X, [3, 2], n_init=10)
    assert result.k_values == (2, 3)
    # k=2: {0,1,2,5,6} (mean 2.8) and {12,13}: 7.84+3.24+0.64+4.84+10.24 + 0.25+0.25 = 27.3.
    # k=3: {0,1,2}, {5,6}, {12,13}: 2 + 0.5 + 0.5 = 3.
    np.testing.assert_allclose(result.inertia, [27.3, 3.0])
    # Ids at k=2 by descending first column: {12, 13} -> 0. At k=3, {0,1,2} overlaps old id 1
    # most (3 rows) and keeps it; {5, 6} is the new cluster and gets id 2.
    np.testing.assert_array_equal(result.labels_for(2), [1, 1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(result.labels_for(3), [1, 1, 1, 2, 2, 0, 0])
    np.testing.assert_allclose(result.centroids_for(3), [[12.5], [1.0], [5.5]])
    for index, k in enumerate((2, 3)):
        expected = _brute_silhouette(X, result.labels_for(k))
        assert result.silhouette[index] == pytest.approx(expected, abs=1e-14)
    labels = result.labels_for(3)
    assert result.calinski_harabasz[1] == pytest.approx(calinski_harabasz_score(X, labels))
    assert result.davies_bouldin[1] == pytest.approx(davies_bouldin_score(X, labels))
    assert result.silhouette_method == "exact"
    assert result.silhouette_sample_size is None
    assert result.silhouette_spread is None
    # A label per row and k: held in the smallest type that takes every id.
    assert result.labels.dtype == np.int8


def test_calinski_harabasz_davies_bouldin_toy_hand_computed() -> None:
    # 0, 1 | 4, 5: W = 1, B = 2 * 2^2 + 2 * 2^2 = 16, CH = 16 / 1 * (4 - 2) / (2 - 1) = 32.
    # DB: intra 0.5 each, centroid gap 4 -> (0.5 + 0.5) / 4 = 0.25.
    X = np.array([[0.0], [1.0], [4.0], [5.0]])
    ch, db = calinski_harabasz_davies_bouldin(X, np.array([0, 0, 1, 1]), 2)
    assert ch == pytest.approx(32.0)
    assert db == pytest.approx(0.25)


# --- edge cases ------------------------------------------------------------------------------


def test_sweep_rejects_k_out_of_range_naming_value_and_range() -> None:
    X = np.arange(10.0).reshape(5, 2)
    with pytest.raises(ValueError, match=r"n_clusters=5 is out of range; expected .*\[2, 4\]"):
        sweep_k(X, [2, 5])
    with pytest.raises(ValueError, match=r"n_clusters=1 is out of range"):
        sweep_k(X, [1, 2])


def test_sweep_rejects_fewer_rows_than_k_constant_data_nan_and_duplicates() -> None:
    with pytest.raises(ValueError, match=r"n_clusters=4 is out of range; expected .*\[2, 2\]"):
        sweep_k(np.array([[0.0], [1.0], [2.0]]), [2, 4])
    with pytest.raises(ValueError, match=r"cannot be used.*1 distinct"):
        sweep_k(np.zeros((20, 3)), [2, 3])
    X = np.arange(20.0).reshape(10, 2)
    X[4, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values"):
        sweep_k(X, [2, 3])
    with pytest.raises(ValueError, match="contains duplicates"):
        sweep_k(np.arange(20.0).reshape(10, 2), [2, 3, 3])
    with pytest.raises(ValueError, match="k_values is empty"):
        sweep_k(np.arange(20.0).reshape(10, 2), [])
    with pytest.raises(ValueError, match="exact_limit=0 is invalid"):
        sweep_k(np.arange(20.0).reshape(10, 2), [2], exact_limit=0)


def test_silhouette_values_validation() -> None:
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=r"labels has 1 distinct clusters; expected .*\[2, 3\]"):
        silhouette_values(X, np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"labels has shape \(3,\); expected \(4,\)"):
        silhouette_values(X, np.array([0, 1, 0]))


def test_sweep_result_rejects_unknown_k() -> None:
    X, _ = _blobs(n_per=10)
    result = sweep_k(X, [2, 3])
    with pytest.raises(ValueError, match=r"k=7 is not in the sweep; expected one of \[2, 3\]"):
        result.labels_for(7)


# --- suggestions -----------------------------------------------------------------------------


def test_suggest_k_agreement_and_disagreement_messages() -> None:
    ks = list(range(2, 10))
    inertia = [100, 60, 30, 27, 25, 23.5, 22.5, 21.8]  # sharp bend at k=4
    silhouette = [0.3, 0.4, 0.6, 0.5, 0.45, 0.4, 0.38, 0.35]
    ch = [200, 300, 500, 450, 400, 380, 360, 340]
    agreed = suggest_k(ks, inertia, silhouette, ch)
    assert (agreed.knee, agreed.best_silhouette, agreed.best_calinski_harabasz) == (4, 4, 4)
    assert agreed.agree
    assert "agree on k=4" in agreed.message
    disagreed = suggest_k(ks, inertia, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], ch)
    assert disagreed.best_silhouette == 9
    assert not disagreed.agree
    assert "disagree" in disagreed.message
    assert "k=9" in disagreed.message


def test_suggest_k_without_knee_says_so() -> None:
    ks = [2, 3, 4, 5, 6]
    straight = [50.0, 40.0, 30.0, 20.0, 10.0]
    suggestion = suggest_k(ks, straight, [0.2, 0.3, 0.5, 0.4, 0.1], [5, 6, 9, 7, 1])
    assert suggestion.knee is None
    assert "no clear knee in range" in suggestion.message
    assert suggestion.best_silhouette == suggestion.best_calinski_harabasz == 4
    assert not suggestion.agree


# --- the real data -----------------------------------------------------------------------------


@pytest.mark.slow
def test_real_sweep_silhouette_equals_sklearn_full(
    housing_scaled: np.ndarray, housing_sweep: SweepResult
) -> None:
    for k in (2, 5, 15):
        expected = silhouette_score(housing_scaled, housing_sweep.labels_for(k))
        assert abs(housing_sweep.silhouette[housing_sweep.index_of(k)] - expected) <= 1e-8
    assert housing_sweep.silhouette_method == "exact"
    assert 2 <= housing_sweep.n_cells <= housing_scaled.shape[0]


@pytest.mark.slow
def test_real_subset_sweep_silhouette_equals_sklearn_for_every_k(
    housing_scaled: np.ndarray,
) -> None:
    rows = np.random.default_rng(0).choice(housing_scaled.shape[0], 3000, replace=False)
    X = housing_scaled[rows]
    result = sweep_k(X, K_VALUES)
    expected = [silhouette_score(X, result.labels_for(k)) for k in K_VALUES]
    np.testing.assert_allclose(result.silhouette, expected, rtol=0, atol=1e-10)


@pytest.mark.slow
def test_real_sweep_per_point_values_for_one_k(
    housing_scaled: np.ndarray, housing_sweep: SweepResult
) -> None:
    values = silhouette_values(housing_scaled, housing_sweep.labels_for(8))
    expected = silhouette_samples(housing_scaled, housing_sweep.labels_for(8))
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-8)
    assert values.mean() == pytest.approx(housing_sweep.silhouette[housing_sweep.index_of(8)])


@pytest.mark.slow
def test_real_sweep_inertia_ch_db_and_labels_match_sklearn(
    housing_scaled: np.ndarray, housing_sweep: SweepResult
) -> None:
    for index, k in enumerate(K_VALUES):
        labels = housing_sweep.labels[index]
        plain = KMeans(n_clusters=k, init="k-means++", n_init="auto", random_state=0).fit(
            housing_scaled
        )
        assert _same_partition(labels, plain.labels_), f"k={k}: labels differ from KMeans.fit"
        assert housing_sweep.inertia[index] == pytest.approx(plain.inertia_, rel=1e-12)
        assert housing_sweep.calinski_harabasz[index] == pytest.approx(
            calinski_harabasz_score(housing_scaled, labels), rel=1e-10
        )
        assert housing_sweep.davies_bouldin[index] == pytest.approx(
            davies_bouldin_score(housing_scaled, labels), rel=1e-10
        )
        np.testing.assert_allclose(
            housing_sweep.centroids[index],
            [plain.cluster_centers_[plain.labels_[labels == j][0]] for j in range(k)],
        )
    assert housing_sweep.fit_seconds.shape == (len(K_VALUES),)
    assert np.all(housing_sweep.fit_seconds > 0)


def test_real_sweep_ids_are_stable_from_k_to_k_plus_one(
    housing_scaled: np.ndarray, housing_sweep: SweepResult
) -> None:
    first = housing_sweep.labels_for(2)
    latitude_means = [housing_scaled[first == j, 0].mean() for j in range(2)]
    assert latitude_means[0] > latitude_means[1]  # numbered north to south at the smallest k
    for k in range(2, 8):
        old, new = housing_sweep.labels_for(k), housing_sweep.labels_for(k + 1)
        assert set(new.tolist()) == set(range(k + 1))
        overlap = np.zeros((k, k + 1), dtype=np.int64)
        np.add.at(overlap, (old, new), 1)
        kept = sum(overlap[j, j] for j in range(k))
        best = max(
            sum(overlap[j, column] for j, column in enumerate(assignment))
            for assignment in itertools.permutations(range(k + 1), k)
        )
        assert kept == best, f"k={k}->{k + 1}: ids do not follow the largest overlap"


def test_real_sweep_suggestion_is_consistent(housing_sweep: SweepResult) -> None:
    suggestion = housing_sweep.suggestion
    assert suggestion.best_silhouette == K_VALUES[int(np.argmax(housing_sweep.silhouette))]
    assert (
        suggestion.best_calinski_harabasz
        == K_VALUES[int(np.argmax(housing_sweep.calinski_harabasz))]
    )
    assert suggestion.knee is None or suggestion.knee in K_VALUES
    assert suggestion.agree == (
        suggestion.knee == suggestion.best_silhouette == suggestion.best_calinski_harabasz
    )


def test_sampled_silhouette_matches_sklearn_sample(housing_scaled: np.ndarray) -> None:
    X = housing_scaled[:4000]
    result = sweep_k(X, [3, 6], exact_limit=1000, sample_size=800, random_state=4)
    assert result.silhouette_method == "sampled"
    assert result.silhouette_sample_size == 800
    assert result.silhouette_spread is not None
    assert result.silhouette_spread.shape == (2,)
    assert np.all(result.silhouette_spread >= 0)
    for index, k in enumerate((3, 6)):
        expected = silhouette_score(X, result.labels_for(k), sample_size=800, random_state=4)
        assert result.silhouette[index] == pytest.approx(expected, abs=1e-10)


def test_warm_up_returns_seconds() -> None:
    assert warm_up() >= 0.0


def test_sweep_without_room_for_all_cell_sums_gives_the_same_silhouettes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    X, _ = _blobs(n_per=80, seed=9)
    together = sweep_k(X, [2, 3, 4, 5])
    monkeypatch.setattr(metrics, "_SUMS_BUDGET_BYTES", 0)  # forces one pass per k
    one_by_one = sweep_k(X, [2, 3, 4, 5])
    np.testing.assert_array_equal(one_by_one.labels, together.labels)
    np.testing.assert_allclose(one_by_one.silhouette, together.silhouette, rtol=0, atol=1e-13)


def test_part_pair_scheduler_runs_each_pair_once_never_sharing_a_part() -> None:
    active: set[int] = set()
    calls: list[tuple[int, int]] = []
    clashes: list[tuple[int, int]] = []
    guard = threading.Lock()

    def run(first: int, second: int) -> None:
        with guard:
            parts = {first, second}
            if active & parts:
                clashes.append((first, second))
            active.update(parts)
            calls.append((first, second))
        time.sleep(0.002)  # long enough for the other threads to try a clashing pair
        with guard:
            active.difference_update(parts)

    kernels._run_part_pairs(run, 6, 3)
    assert sorted(calls) == [(p, q) for p in range(6) for q in range(p, 6)]
    assert clashes == []

    def fail(first: int, second: int) -> None:
        raise RuntimeError(f"pair {first},{second}")

    with pytest.raises(RuntimeError, match="pair"):
        kernels._run_part_pairs(fail, 4, 2)
