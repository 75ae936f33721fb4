"""Tests of components.sweep: exact silhouette via cells, stable ids, suggestions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import silhouette_samples

from components.sweep import silhouette_values, sweep_k


def test_silhouette_values_match_sklearn_on_blobs() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, size=(40, 2)) for c in (0.0, 3.0, 6.0)])
    labels = np.repeat([0, 1, 2], 40)
    np.testing.assert_allclose(
        silhouette_values(X, labels), silhouette_samples(X, labels), atol=1e-12
    )


def test_sweep_rejects_k_out_of_range() -> None:
    X = np.arange(10.0).reshape(5, 2)
    with pytest.raises(ValueError, match=r"n_clusters=5 is out of range; expected .*\[2, 4\]"):
        sweep_k(X, [2, 5])
