"""The sweep in two steps (fits first, scores after) gives exactly the one-step sweep."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.sweep.run import fit_sweep, score_sweep, sweep_k


def _blobs() -> np.ndarray:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0], [6.0, 6.0]])
    return np.vstack([centre + rng.normal(size=(60, 2)) for centre in centres])


def test_fits_then_scores_equal_the_one_step_sweep() -> None:
    data = _blobs()
    order_key = data[:, 1]
    fits = fit_sweep(data, range(2, 7), random_state=4, order_key=order_key)
    two_steps = score_sweep(data, fits)
    one_step = sweep_k(data, range(2, 7), random_state=4, order_key=order_key)
    assert fits.k_values == one_step.k_values == (2, 3, 4, 5, 6)
    np.testing.assert_array_equal(fits.labels, one_step.labels)
    np.testing.assert_array_equal(two_steps.labels, one_step.labels)
    np.testing.assert_allclose(fits.inertia, one_step.inertia)
    np.testing.assert_allclose(two_steps.silhouette, one_step.silhouette)
    np.testing.assert_allclose(two_steps.calinski_harabasz, one_step.calinski_harabasz)
    assert two_steps.suggestion == one_step.suggestion
    # The four blobs: the best silhouette is at k = 4 (higher is better).
    assert two_steps.suggestion.best_silhouette == 4
    for k in fits.k_values:
        np.testing.assert_array_equal(fits.labels_for(k), one_step.labels_for(k))
        np.testing.assert_allclose(fits.centroids_for(k), one_step.centroids_for(k))


def test_the_labels_of_a_k_do_not_depend_on_larger_k() -> None:
    """A page may fit k = 2..5 first: the ids at k = 4 are those of the whole sweep."""
    data = _blobs()
    short = fit_sweep(data, range(2, 5), random_state=1, order_key=data[:, 0])
    full = fit_sweep(data, range(2, 9), random_state=1, order_key=data[:, 0])
    np.testing.assert_array_equal(short.labels_for(4), full.labels_for(4))


def test_scores_need_the_data_the_fits_were_made_on() -> None:
    data = _blobs()
    fits = fit_sweep(data, range(2, 4))
    with pytest.raises(ValueError, match=r"X has 239 rows but the fits have 240"):
        score_sweep(data[:-1], fits)
    with pytest.raises(ValueError, match=r"k=9 is not in the sweep; expected one of \[2, 3\]"):
        fits.labels_for(9)


def test_fits_on_a_sample_label_every_row_by_its_nearest_centroid() -> None:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    X = np.vstack([centre + rng.normal(0, 0.5, (400, 2)) for centre in centres])
    full = fit_sweep(X, range(2, 5), order_key=0)
    sampled = fit_sweep(X, range(2, 5), order_key=0, max_fit_rows=300)
    assert full.fit_rows == 1_200 and sampled.fit_rows == 300
    for index in range(3):
        centroids = sampled.centroids[index]
        distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        # Every row (not only the 300 fitted) has its nearest centroid ...
        np.testing.assert_array_equal(sampled.labels[index], distances.argmin(axis=1))
        # ... and the inertia is that of all rows.
        assert sampled.inertia[index] == pytest.approx(distances.min(axis=1).sum())
    # Three well separated blobs: the sample finds the same k = 3 clusters, ids included.
    np.testing.assert_array_equal(sampled.labels[1], full.labels[1])
    assert sampled.inertia[1] == pytest.approx(full.inertia[1], rel=0.01)
    assert score_sweep(X, sampled).fit_rows == 300
    # A limit above the rows fits them all; a bad limit names the value.
    assert fit_sweep(X, [3], max_fit_rows=5_000).fit_rows == 1_200
    with pytest.raises(ValueError, match="max_fit_rows"):
        fit_sweep(X, [3], max_fit_rows=1)
