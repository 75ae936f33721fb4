"""Two nested levels: k-means, then size-weighted Ward on the centres, numbered from the north."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, is_valid_linkage, ward
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from components.engine.classification import levels as levels_module
from components.engine.classification.levels import Levels, fit_levels, ward_merges


def _regions(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A northern region of 2 towns and a southern one of 3; columns are (latitude, longitude)."""
    rng = np.random.default_rng(seed)
    towns = [(40.0, 0.0), (40.0, 3.0), (30.0, 0.0), (30.0, 3.0), (33.0, 1.5)]
    points = np.vstack([rng.normal(town, 0.1, size=(40, 2)) for town in towns])
    return points, points[:, 0]


def _assert_nested(result: Levels) -> None:
    for fine in range(result.fine_centroids.shape[0]):
        assert np.unique(result.coarse_labels[result.fine_labels == fine]).size == 1
    np.testing.assert_array_equal(result.coarse_labels, result.coarse_of_fine[result.fine_labels])


def test_weighted_ward_on_a_line_by_hand() -> None:
    centres = np.array([[0.0], [1.1], [2.1], [10.0]])
    sizes = np.array([1, 1, 100, 100])
    merges = ward_merges(centres, sizes)
    # A+B costs 1*1/2*1.1^2 = 0.605, B+C 1*100/101*1 = 0.990: the small pair joins first.
    # Then AB (centre 0.55, 2 rows) + C costs 2*100/102*1.55^2; last, ABC (centre 211.1/102).
    first = 0.5 * 1.1**2
    second = 2 * 100 / 102 * 1.55**2
    third = 102 * 100 / 202 * (10 - 211.1 / 102) ** 2
    expected = [
        [0, 1, math.sqrt(2 * first), 2],
        [2, 4, math.sqrt(2 * second), 3],
        [3, 5, math.sqrt(2 * third), 4],
    ]
    np.testing.assert_allclose(merges, expected, rtol=1e-12)
    # Unweighted, B and C are the closest pair: the sizes decide the order.
    assert ward(centres)[0, :2].tolist() == [1, 2]


@pytest.mark.parametrize("size", [1, 7])
def test_equal_sizes_match_scipy_ward_up_to_the_square_root_of_the_size(size: int) -> None:
    centres = np.random.default_rng(3).normal(size=(25, 3))
    merges = ward_merges(centres, np.full(25, size))
    reference = ward(centres)
    # scipy's Ward distance is sqrt(2 * increase in the within sum of squares) with every
    # point weighing 1; every weight times `size` multiplies each increase by `size`.
    np.testing.assert_array_equal(merges[:, [0, 1, 3]], reference[:, [0, 1, 3]])
    np.testing.assert_allclose(merges[:, 2], math.sqrt(size) * reference[:, 2], rtol=1e-10)


def test_levels_nest_and_are_named_from_the_north() -> None:
    points, latitude = _regions()
    result = fit_levels(points, 5, 2, latitude=latitude)
    _assert_nested(result)
    assert result.fine_names == ("1a", "1b", "2a", "2b", "2c")
    np.testing.assert_array_equal(result.coarse_of_fine, [0, 0, 1, 1, 1])
    assert result.n_coarse == 2
    north = latitude[result.coarse_labels == 0]
    assert north.min() > 35 and latitude[result.coarse_labels == 1].max() < 35
    fine_latitude = [latitude[result.fine_labels == fine].mean() for fine in range(5)]
    assert fine_latitude[2] > fine_latitude[3]  # the town at 33 degrees is "2a"
    np.testing.assert_array_equal(result.fine_sizes, np.bincount(result.fine_labels))


def test_merges_are_a_valid_linkage_whose_cut_gives_the_groups() -> None:
    points, latitude = _regions(1)
    result = fit_levels(points, 8, 3, latitude=latitude, random_state=4)
    assert result.merges.shape == (7, 4)
    assert is_valid_linkage(result.merges)
    assert np.all(np.diff(result.merges[:, 2]) >= 0)
    assert result.merges[-1, 3] == 8
    groups = fcluster(result.merges, 3, criterion="maxclust")
    assert adjusted_rand_score(groups, result.coarse_of_fine) == 1.0
    fine_latitude = [latitude[result.fine_labels == fine].mean() for fine in range(8)]
    group_latitude = [latitude[result.coarse_labels == group].mean() for group in range(3)]
    assert group_latitude == sorted(group_latitude, reverse=True)
    for group in range(3):
        inside = [fine_latitude[f] for f in np.flatnonzero(result.coarse_of_fine == group)]
        assert inside == sorted(inside, reverse=True)


def test_merge_heights_are_the_ward_cost_of_the_rows() -> None:
    points, latitude = _regions(2)
    result = fit_levels(points, 6, 2, latitude=latitude)

    def within(labels: np.ndarray) -> float:
        return sum(
            float(((points[labels == g] - points[labels == g].mean(0)) ** 2).sum())
            for g in np.unique(labels)
        )

    # The last merge joins the 2 groups: its cost is the rise from 2 groups to 1.
    rise = within(np.zeros(len(points), dtype=int)) - within(result.coarse_labels)
    assert result.merges[-1, 2] == pytest.approx(math.sqrt(2 * rise), rel=1e-9)


def test_large_data_is_fitted_on_a_seeded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(levels_module, "SAMPLE_ROWS", 60)
    points, latitude = _regions(5)
    result = fit_levels(points, 4, 2, latitude=latitude, random_state=9, n_init=2)
    sample = np.sort(np.random.default_rng(9).choice(len(points), 60, replace=False))
    reference = KMeans(n_clusters=4, n_init=2, random_state=9).fit(points[sample])
    assert adjusted_rand_score(reference.predict(points), result.fine_labels) == 1.0
    _assert_nested(result)


def test_same_seed_same_levels() -> None:
    points, latitude = _regions(6)
    first = fit_levels(points, 6, 3, latitude=latitude, random_state=2)
    second = fit_levels(points, 6, 3, latitude=latitude, random_state=2)
    np.testing.assert_array_equal(first.fine_labels, second.fine_labels)
    np.testing.assert_array_equal(first.merges, second.merges)


def test_many_fine_clusters_in_one_group_get_double_letters() -> None:
    points = np.column_stack([np.arange(60.0), np.zeros(60)])
    points[-1] = (1000.0, 0.0)  # far off: the 2 groups are this place and all the others
    result = fit_levels(points, 30, 2, latitude=-points[:, 0])
    assert result.fine_names[26:29] == ("1aa", "1ab", "1ac")
    assert result.fine_names[-1] == "2a"


def test_a_fine_k_above_the_distinct_places_is_refused() -> None:
    points = np.repeat(np.column_stack([np.arange(41.0), np.arange(41.0) % 7]), 3, axis=0)
    with pytest.raises(
        ValueError, match="a fine k of 60 is above the 41 distinct places; choose at most 41"
    ):
        fit_levels(points, 60, 5, latitude=points[:, 0])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_fine": 2}, r"n_fine=2 is out of range; expected an integer in \[3, 100\]"),
        ({"n_fine": 101}, r"n_fine=101 is out of range"),
        ({"n_coarse": 1}, r"n_coarse=1 is out of range; expected an integer in \[2, 4\]"),
        ({"n_coarse": 5}, r"n_coarse=5 is out of range; expected an integer in \[2, 4\]"),
        ({"n_init": 0}, r"n_init=0 is invalid; expected an integer >= 1"),
        ({"latitude": np.zeros(3)}, r"latitude has shape \(3,\); expected one finite latitude"),
    ],
)
def test_arguments_are_checked(arguments: dict[str, object], message: str) -> None:
    points, latitude = _regions()
    call: dict[str, object] = {"n_fine": 5, "n_coarse": 2, "latitude": latitude} | arguments
    with pytest.raises(ValueError, match=message):
        fit_levels(points, **call)  # type: ignore[arg-type]


def test_too_few_distinct_places_is_refused() -> None:
    points = np.array([[0.0, 0.0], [1.0, 1.0]] * 5)
    with pytest.raises(ValueError, match="2 distinct places; two levels need at least 3"):
        fit_levels(points, 3, 2, latitude=points[:, 0])


@pytest.mark.slow
def test_housing_levels_nest(housing_frame: pd.DataFrame) -> None:
    columns = ["latitude", "longitude", "median_income", "median_house_value"]
    scaled = StandardScaler().fit_transform(housing_frame[columns].to_numpy())
    latitude = housing_frame["latitude"].to_numpy()
    result = fit_levels(scaled, 30, 6, latitude=latitude)
    _assert_nested(result)
    assert len(set(result.fine_names)) == 30 and result.fine_names[0] == "1a"
    assert np.unique(result.coarse_labels).size == 6
    assert is_valid_linkage(result.merges)
    group_latitude = [latitude[result.coarse_labels == g].mean() for g in range(6)]
    assert group_latitude == sorted(group_latitude, reverse=True)
