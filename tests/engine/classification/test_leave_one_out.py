"""Leave one variable out: the variable that carries the clusters changes them most."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from components.engine.classification import leave_one_out
from components.engine.classification.leave_one_out import leave_one_variable_out


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Two blobs along x (at -3 and +3), pure noise in y and z; labels from a full fit."""
    generator = np.random.default_rng(0)
    x = np.concatenate([generator.normal(-3.0, 0.5, 300), generator.normal(3.0, 0.5, 300)])
    scaled = np.column_stack([x, generator.normal(size=(600, 2))])
    labels = KMeans(2, n_init=1, random_state=0).fit(scaled).labels_
    return scaled, labels


GROUPS = [("x", [0]), ("y", [1]), ("z", [2])]


def test_the_variable_carrying_the_clusters_comes_first(
    blobs: tuple[np.ndarray, np.ndarray],
) -> None:
    scaled, labels = blobs
    table = leave_one_variable_out(scaled, GROUPS, labels, 2, random_state=0)
    assert list(table.columns) == ["variable", "adjusted_rand", "silhouette", "silhouette_change"]
    assert table["variable"].iloc[0] == "x"
    by_name = table.set_index("variable")
    assert abs(by_name.loc["x", "adjusted_rand"]) < 0.05
    assert by_name.loc["y", "adjusted_rand"] > 0.99
    assert by_name.loc["z", "adjusted_rand"] > 0.99
    assert by_name.loc["x", "silhouette_change"] < 0  # the noise alone has no clusters
    assert by_name.loc["y", "silhouette_change"] > 0  # without noise the blobs stand out more


def test_one_group_matches_scikit_learn_by_hand(blobs: tuple[np.ndarray, np.ndarray]) -> None:
    scaled, labels = blobs
    table = leave_one_variable_out(scaled, GROUPS, labels, 2, random_state=7).set_index("variable")
    reduced = scaled[:, [0, 2]]  # y left out
    refitted = KMeans(2, n_init=1, random_state=7).fit(reduced).labels_
    expected_silhouette = silhouette_score(reduced, refitted)
    assert table.loc["y", "adjusted_rand"] == pytest.approx(adjusted_rand_score(labels, refitted))
    assert table.loc["y", "silhouette"] == pytest.approx(expected_silhouette)
    assert table.loc["y", "silhouette_change"] == pytest.approx(
        expected_silhouette - silhouette_score(scaled, labels)
    )
    # Without x the refit clusters noise, so its labels depend on the exact fit.
    noise_only = KMeans(2, n_init=1, random_state=7).fit(scaled[:, [1, 2]]).labels_
    assert table.loc["x", "adjusted_rand"] == pytest.approx(adjusted_rand_score(labels, noise_only))


def test_a_group_of_columns_leaves_together(blobs: tuple[np.ndarray, np.ndarray]) -> None:
    scaled, labels = blobs
    table = leave_one_variable_out(
        scaled, [("x", [0]), ("noise", [1, 2])], labels, 2, random_state=0
    )
    refitted = KMeans(2, n_init=1, random_state=0).fit(scaled[:, [0]]).labels_
    by_name = table.set_index("variable")
    assert by_name.loc["noise", "silhouette"] == pytest.approx(
        silhouette_score(scaled[:, [0]], refitted)
    )


def test_large_data_is_fitted_on_a_sample_and_every_row_is_labelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fitted_rows = []

    class RecordingKMeans(KMeans):
        def fit(self, X: np.ndarray, y: None = None, sample_weight: None = None) -> KMeans:
            fitted_rows.append(len(X))
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(leave_one_out, "KMeans", RecordingKMeans)
    monkeypatch.setattr(leave_one_out, "SILHOUETTE_ROWS", 500)
    generator = np.random.default_rng(3)
    n_rows = 25_000  # above the fitting sample's 20,000 rows
    x = np.where(np.arange(n_rows) % 2 == 0, -3.0, 3.0) + generator.normal(0, 0.5, n_rows)
    scaled = np.column_stack([x, generator.normal(size=n_rows)])
    labels = (x > 0).astype(int)
    table = leave_one_variable_out(scaled, [("x", [0]), ("y", [1])], labels, 2, random_state=0)
    by_name = table.set_index("variable")
    assert by_name.loc["y", "adjusted_rand"] > 0.99
    assert abs(by_name.loc["x", "adjusted_rand"]) < 0.05
    assert fitted_rows == [leave_one_out.MAX_FIT_ROWS] * 2


@pytest.mark.parametrize(
    ("groups", "n_clusters", "message"),
    [
        ([("x", [0])], 2, "at least 2 variables"),
        ([("x", [0]), ("y", [])], 2, "'y' has no columns"),
        ([("x", [0]), ("y", [3])], 2, r"Column 3 of variable 'y' is out of range \[0, 2\]"),
        ([("x", [0]), ("y", [0])], 2, "in another variable"),
        ([("x", [0]), ("x", [1])], 2, "repeat a name"),
        (GROUPS, 1, r"n_clusters=1 is out of range \[2, 599\]"),
        (GROUPS, 600, r"n_clusters=600 is out of range \[2, 599\]"),
    ],
)
def test_bad_inputs_are_refused(
    blobs: tuple[np.ndarray, np.ndarray],
    groups: list[tuple[str, list[int]]],
    n_clusters: int,
    message: str,
) -> None:
    scaled, labels = blobs
    with pytest.raises(ValueError, match=message):
        leave_one_variable_out(scaled, groups, labels, n_clusters, random_state=0)


def test_labels_of_another_length_are_refused(blobs: tuple[np.ndarray, np.ndarray]) -> None:
    scaled, labels = blobs
    with pytest.raises(ValueError, match=r"labels has shape \(599,\); expected \(600,\)"):
        leave_one_variable_out(scaled, GROUPS, labels[1:], 2, random_state=0)
