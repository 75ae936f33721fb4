"""Contiguous regions: the neighbour graph, Ward along it, the sample above the size limit and
its stray pieces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors, kneighbors_graph
from sklearn.preprocessing import StandardScaler

from components.engine.classification import regions as regions_module
from components.engine.classification.regions import (
    Regions,
    _join_stray_pieces,
    fit_regions,
    fragmented_clusters,
    neighbour_graph,
    within_cluster_sum_of_squares,
)
from components.engine.scaling import project_to_km
from tests.toy_geography import KM_PER_DEGREE_LATITUDE, offset


def fit_one(
    attributes: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    n_clusters: int,
    **options: object,
) -> Regions:
    """The regions of one number of regions."""
    return fit_regions(attributes, latitude, longitude, [n_clusters], **options)[n_clusters]  # type: ignore[arg-type]


def _places(n_places: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Places scattered over about 100 x 100 km, with two attributes that ignore the map."""
    rng = np.random.default_rng(seed)
    latitude = rng.uniform(34.0, 35.0, n_places)
    longitude = rng.uniform(-119.0, -118.0, n_places)
    attributes = rng.normal(size=(n_places, 2))
    return attributes, latitude, longitude


def _km(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    return project_to_km(latitude, longitude, float(np.cos(np.radians(latitude.mean()))))


def _blobs(sizes: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blobs of places 2 km across, 500 km apart (east of each other); blob number per place."""
    rng = np.random.default_rng(seed)
    points = [
        offset(34.0, -118.0, float(rng.uniform(0, 2)), 500.0 * blob + float(rng.uniform(0, 2)))
        for blob, size in enumerate(sizes)
        for _ in range(size)
    ]
    latitude, longitude = (np.array(values) for values in zip(*points, strict=True))
    blob_of_place = np.repeat(np.arange(len(sizes)), sizes)
    return latitude, longitude, blob_of_place


def _fragmented_by_loop(labels: np.ndarray, graph: sparse.csr_matrix) -> int:
    """The definition, one cluster at a time."""
    count = 0
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        n_pieces, _ = connected_components(graph[members][:, members], directed=False)
        count += n_pieces > 1
    return count


def _path_graph(n_places: int) -> sparse.csr_matrix:
    edges = sparse.diags(np.ones(n_places - 1), 1, shape=(n_places, n_places))
    return sparse.csr_matrix(edges + edges.T)


# The projection shared with the geographic scaler


def test_project_to_km_puts_one_degree_of_latitude_at_111_km() -> None:
    km = project_to_km(np.array([0.0, 1.0]), np.array([0.0, 1.0]), 0.5)
    assert km[1, 0] - km[0, 0] == pytest.approx(KM_PER_DEGREE_LATITUDE)
    assert km[1, 1] - km[0, 1] == pytest.approx(0.5 * KM_PER_DEGREE_LATITUDE)


# fragmented_clusters


def test_fragmented_clusters_on_a_path_by_hand() -> None:
    path = _path_graph(6)  # 0 - 1 - 2 - 3 - 4 - 5
    assert fragmented_clusters(np.array([0, 0, 1, 1, 0, 0]), path) == 1  # 0: {0,1} and {4,5}
    assert fragmented_clusters(np.array([0, 0, 0, 1, 1, 1]), path) == 0
    assert fragmented_clusters(np.array([0, 1, 0, 1, 0, 1]), path) == 2
    assert fragmented_clusters(np.zeros(6, dtype=int), path) == 0


def test_fragmented_clusters_matches_the_definition_cluster_by_cluster() -> None:
    _, latitude, longitude = _places(300, seed=1)
    graph = neighbour_graph(latitude, longitude, n_neighbors=4)
    rng = np.random.default_rng(2)
    for labels in (rng.integers(0, 6, 300), (latitude > 34.5).astype(int), np.zeros(300, int)):
        assert fragmented_clusters(labels, graph) == _fragmented_by_loop(labels, graph)


def test_fragmented_clusters_reads_an_edge_given_one_way() -> None:
    one_way = sparse.csr_matrix(sparse.diags(np.ones(3), 1, shape=(4, 4)))
    assert fragmented_clusters(np.array([0, 0, 1, 1]), one_way) == 0
    assert fragmented_clusters(np.array([0, 1, 1, 0]), one_way) == 1


def test_fragmented_clusters_refuses_a_graph_of_another_size() -> None:
    with pytest.raises(ValueError, match=r"shape \(5, 5\)"):
        fragmented_clusters(np.zeros(5, dtype=int), _path_graph(6))
    with pytest.raises(ValueError, match="sparse matrix"):
        fragmented_clusters(np.zeros(6, dtype=int), np.eye(6))


# within_cluster_sum_of_squares


def test_within_cluster_sum_of_squares_by_hand() -> None:
    values = np.array([[0.0, 1.0], [2.0, 1.0], [10.0, 0.0], [14.0, 3.0]])
    # Cluster 0: mean (1, 1), squares 1 + 1. Cluster 1: mean (12, 1.5), squares 4 + 2.25 twice.
    assert within_cluster_sum_of_squares(values, np.array([0, 0, 1, 1])) == pytest.approx(14.5)
    assert within_cluster_sum_of_squares(values, np.arange(4)) == 0.0


def test_within_cluster_sum_of_squares_is_kmeans_inertia() -> None:
    attributes, _, _ = _places(500)
    model = KMeans(n_clusters=4, n_init=1, random_state=0).fit(attributes)
    assert within_cluster_sum_of_squares(attributes, model.labels_) == pytest.approx(
        model.inertia_, rel=1e-9
    )


def test_within_cluster_sum_of_squares_refuses_labels_of_another_length() -> None:
    with pytest.raises(ValueError, match="one label per row"):
        within_cluster_sum_of_squares(np.zeros((4, 2)), np.array([0, 1, 1]))


# neighbour_graph


def test_neighbour_graph_is_scikit_learns_symmetric_knn_graph_in_km() -> None:
    _, latitude, longitude = _places(400)
    graph = neighbour_graph(latitude, longitude, n_neighbors=5)
    knn = kneighbors_graph(_km(latitude, longitude), 5)
    expected = knn.maximum(knn.T)
    assert (graph != graph.T).nnz == 0
    assert graph.diagonal().sum() == 0
    assert (graph != expected).nnz == 0


def test_neighbour_graph_joins_a_spot_with_more_places_than_neighbours() -> None:
    # Ten places in a line 1.1 km apart, the nearest 11 km from a spot of twenty places.
    latitude = np.concatenate([np.full(20, 34.0), 34.1 + 0.01 * np.arange(10)])
    longitude = np.full(30, -118.0)
    graph = neighbour_graph(latitude, longitude, n_neighbors=3)
    # A plain k-NN graph cuts the crowded spot off: its places are each other's neighbours.
    plain = kneighbors_graph(_km(latitude, longitude), 3)
    assert connected_components(plain.maximum(plain.T), directed=False)[0] > 1
    assert connected_components(graph, directed=False)[0] == 1
    assert graph.max() == 1.0


def test_neighbour_graph_of_places_at_one_spot_is_connected() -> None:
    graph = neighbour_graph(np.full(5, 34.0), np.full(5, -118.0), n_neighbors=2)
    assert connected_components(graph, directed=False)[0] == 1


@pytest.mark.parametrize(
    ("latitude", "longitude", "n_neighbors", "match"),
    [
        ([34.0, 35.0, 36.0], [-118.0, -118.0, -118.0], 3, r"n_neighbors=3 is out of range"),
        ([34.0, 35.0, 36.0], [-118.0, -118.0, -118.0], 0, r"n_neighbors=0 is out of range"),
        ([34.0, 35.0, 96.0], [-118.0, -118.0, -118.0], 1, r"latitude must hold finite degrees"),
        ([34.0, 35.0, np.nan], [-118.0, -118.0, -118.0], 1, r"latitude must hold finite"),
        ([34.0, 35.0, 36.0], [-118.0] * 4, 1, "latitude has 3 values and longitude 4"),
        ([34.0, 35.0], [-118.0, -118.0], 1, r"latitude has shape \(2,\).*at least 3 places"),
    ],
)
def test_neighbour_graph_refuses_bad_input(
    latitude: list[float], longitude: list[float], n_neighbors: int, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        neighbour_graph(np.array(latitude), np.array(longitude), n_neighbors)


# fit_regions


@pytest.mark.parametrize("location_weight", [0.0, 1.0, 3.0])
@pytest.mark.parametrize("n_clusters", [2, 5, 12])
def test_regions_are_contiguous_where_kmeans_clusters_are_not(
    n_clusters: int, location_weight: float
) -> None:
    attributes, latitude, longitude = _places(600)
    graph = neighbour_graph(latitude, longitude)
    regions = fit_one(attributes, latitude, longitude, n_clusters, location_weight=location_weight)
    assert fragmented_clusters(regions.labels, graph) == 0
    assert np.array_equal(np.unique(regions.labels), np.arange(n_clusters))
    kmeans = KMeans(n_clusters=n_clusters, n_init=1, random_state=0).fit(attributes)
    assert fragmented_clusters(kmeans.labels_, graph) > 0


def test_regions_are_scikit_learns_ward_on_attributes_and_location() -> None:
    attributes, latitude, longitude = _places(500)
    km = _km(latitude, longitude)
    location = (km - km.mean(axis=0)) / np.sqrt(km.var(axis=0).mean())
    features = np.column_stack([attributes, 2.0 * location])
    graph = kneighbors_graph(km, 8)
    expected = AgglomerativeClustering(
        n_clusters=6, linkage="ward", connectivity=graph.maximum(graph.T)
    ).fit_predict(features)
    regions = fit_one(attributes, latitude, longitude, 6, location_weight=2.0)
    assert adjusted_rand_score(regions.labels, expected) == 1.0
    assert (regions.n_components, regions.sampled_rows, regions.n_rows) == (1, 500, 500)
    assert regions.n_neighbors == 8


def test_regions_are_numbered_north_to_south() -> None:
    attributes, latitude, longitude = _places(500)
    labels = fit_one(attributes, latitude, longitude, 7).labels
    mean_latitude = pd.Series(latitude).groupby(labels).mean().to_numpy()
    assert np.all(np.diff(mean_latitude) < 0)


def test_regions_never_span_two_separate_groups_of_places() -> None:
    latitude, longitude, blob = _blobs((40, 30))
    attributes = np.random.default_rng(3).normal(size=(70, 2))
    two = fit_one(attributes, latitude, longitude, 2, n_neighbors=3, location_weight=0.0)
    assert two.n_components == 2
    assert adjusted_rand_score(two.labels, blob) == 1.0
    for n_clusters in (3, 6):
        regions = fit_one(
            attributes, latitude, longitude, n_clusters, n_neighbors=3, location_weight=0.0
        )
        blobs_per_region = pd.Series(blob).groupby(regions.labels).nunique()
        assert blobs_per_region.max() == 1
        assert blobs_per_region.size == n_clusters
        graph = neighbour_graph(latitude, longitude, n_neighbors=3)
        assert fragmented_clusters(regions.labels, graph) == 0


def test_fewer_regions_than_separate_groups_is_refused_with_what_to_do() -> None:
    latitude, longitude, _ = _blobs((40, 30, 20))
    attributes = np.zeros((90, 1))
    message = (
        r"The places form 3 separate groups that no chain of 3 nearest neighbours joins "
        r"\(the largest has 40 places\).*n_clusters=2.*at least 3 regions.*raise the number "
        r"of neighbours.*remove the outlying places"
    )
    with pytest.raises(ValueError, match=message):
        fit_one(attributes, latitude, longitude, 2, n_neighbors=3)
    assert fit_one(attributes, latitude, longitude, 2, n_neighbors=50).n_components == 1


def test_the_sample_above_max_rows_labels_every_place_by_its_nearest_sampled_place() -> None:
    attributes, latitude, longitude = _places(400)
    regions = fit_one(attributes, latitude, longitude, 4, max_rows=100, random_state=5)
    assert (regions.sampled_rows, regions.n_rows) == (100, 400)
    assert np.array_equal(np.unique(regions.labels), np.arange(4))
    sampled = np.zeros(400, dtype=bool)
    sampled[np.random.default_rng(5).choice(400, size=100, replace=False)] = True
    km = _km(latitude, longitude)
    nearest = NearestNeighbors(n_neighbors=1).fit(km[sampled])
    distance, index = nearest.kneighbors(km[~sampled])
    assert np.array_equal(regions.labels[~sampled], regions.labels[sampled][index[:, 0]])
    sample_graph = neighbour_graph(latitude[sampled], longitude[sampled])
    assert fragmented_clusters(regions.labels[sampled], sample_graph) == 0
    assert distance.max() > 0  # the places left out are elsewhere than the sampled ones


def test_a_sample_too_split_for_the_regions_says_it_is_a_sample() -> None:
    latitude, longitude, _ = _blobs((40, 30, 20))
    with pytest.raises(ValueError, match=r"In a random sample of 60 of the 90 places"):
        fit_one(np.zeros((90, 1)), latitude, longitude, 2, n_neighbors=3, max_rows=60)


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"n_clusters": [1]}, r"n_clusters=1 is out of range; expected an integer in \[2, 19\]"),
        ({"n_clusters": [4, 20]}, r"n_clusters=20 is out of range"),
        ({"n_clusters": [6], "max_rows": 5}, r"n_clusters=6 is out of range.*\[2, 4\]"),
        ({"location_weight": -1.0}, r"location_weight=-1.0 is out of range"),
        ({"n_neighbors": 20}, r"n_neighbors=20 is out of range"),
        ({"max_rows": 2}, r"max_rows=2 is invalid"),
        ({"random_state": -1}, r"random_state=-1 is out of range"),
        ({"n_clusters": 3}, r"n_clusters=3 is invalid; expected a non-empty sequence"),
        ({"n_clusters": []}, r"n_clusters=\[\] is invalid"),
        ({"attributes": np.zeros((19, 2))}, "attributes has 19 rows and latitude 20"),
        ({"attributes": np.full((20, 2), np.nan)}, "attributes contains NaN"),
    ],
)
def test_fit_regions_refuses_bad_input(arguments: dict[str, object], match: str) -> None:
    attributes, latitude, longitude = _places(20)
    call: dict[str, object] = {"attributes": attributes, "n_clusters": [3], **arguments}
    with pytest.raises(ValueError, match=match):
        fit_regions(latitude=latitude, longitude=longitude, **call)  # type: ignore[arg-type]


@pytest.mark.slow
def test_regions_of_the_housing_data_are_contiguous(housing_frame: pd.DataFrame) -> None:
    features = ["latitude", "longitude", "median_house_value"]
    scaled = StandardScaler().fit_transform(housing_frame[features].to_numpy(dtype=np.float64))
    latitude = housing_frame["latitude"].to_numpy(dtype=np.float64)
    longitude = housing_frame["longitude"].to_numpy(dtype=np.float64)
    regions = fit_one(scaled, latitude, longitude, 5)
    graph = neighbour_graph(latitude, longitude)
    assert regions.n_rows == regions.sampled_rows == 20_640
    assert regions.n_components == connected_components(graph, directed=False)[0]
    assert fragmented_clusters(regions.labels, graph) == 0
    assert np.array_equal(np.unique(regions.labels), np.arange(5))
    kmeans = KMeans(n_clusters=5, n_init=1, random_state=0).fit(scaled)
    assert fragmented_clusters(kmeans.labels_, graph) > 0


def test_several_numbers_of_regions_cut_one_tree_as_separate_fits_do() -> None:
    generator = np.random.default_rng(3)
    latitude = generator.uniform(40, 41, 300)
    longitude = generator.uniform(2, 3, 300)
    attributes = np.column_stack([latitude + generator.normal(0, 0.1, 300)])
    together = fit_regions(attributes, latitude, longitude, [2, 4, 7])
    assert list(together) == [2, 4, 7]  # in increasing k
    for k, regions in together.items():
        alone = fit_one(attributes, latitude, longitude, k)
        np.testing.assert_array_equal(regions.labels, alone.labels)
        assert fragmented_clusters(regions.labels, neighbour_graph(latitude, longitude)) == 0


# Stray pieces of sampled regions


def _join(labels: list[int], graph: sparse.csr_matrix) -> np.ndarray:
    edges = sparse.triu(graph, k=1, format="coo")
    group = connected_components(graph, directed=False)[1]
    return _join_stray_pieces(np.array(labels), edges.row, edges.col, group)


def _graph_of_edges(n_places: int, edges: list[tuple[int, int]]) -> sparse.csr_matrix:
    rows, columns = zip(*edges, strict=True)
    one_way = sparse.coo_matrix((np.ones(len(edges)), (rows, columns)), shape=(n_places,) * 2)
    return sparse.csr_matrix(one_way + one_way.T)


def test_a_stray_piece_joins_the_region_it_shares_most_edges_with() -> None:
    # Place 0 (region 2, whose main piece is 5-6-7) touches region 0 twice and region 1 once.
    graph = _graph_of_edges(8, [(0, 1), (0, 2), (1, 2), (0, 3), (3, 4), (4, 5), (5, 6), (6, 7)])
    joined = _join([2, 0, 0, 1, 1, 2, 2, 2], graph)
    np.testing.assert_array_equal(joined, [0, 0, 0, 1, 1, 2, 2, 2])


def test_a_piece_behind_another_stray_piece_waits_for_it() -> None:
    # On the path 0-9, region 1's stray place 3 joins region 0's main piece 4-7; the stray
    # piece 0-2 of region 0 touched only place 3, so it is then part of region 0's main piece.
    # Handing both strays over at once by all their edges would swap them instead.
    joined = _join([0, 0, 0, 1, 0, 0, 0, 0, 1, 1], _path_graph(10))
    np.testing.assert_array_equal(joined, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])


def test_a_region_of_small_pieces_keeps_its_first_largest() -> None:
    # Region 0 is places 1 and 5 apart: it keeps place 1, which takes place 0 (stray of
    # region 1). Region 1 keeps 2-4 (tied with 6-8), which takes place 5, then 6-8 is joined.
    joined = _join([1, 0, 1, 1, 1, 0, 1, 1, 1], _path_graph(9))
    np.testing.assert_array_equal(joined, [0, 0, 1, 1, 1, 1, 1, 1, 1])


def test_a_separate_group_of_places_ends_whole_in_one_region() -> None:
    # Paths 0-4 and 5-7 are separate; the second holds no region's largest piece, so its own
    # largest (6-7, region 0) takes place 5, and region 0 spans the two groups.
    graph = _graph_of_edges(8, [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7)])
    joined = _join([0, 0, 0, 1, 1, 1, 0, 0], graph)
    np.testing.assert_array_equal(joined, [0, 0, 0, 1, 1, 0, 0, 0])


@pytest.mark.parametrize(
    ("labels", "graph"),
    [
        ([0, 0, 1, 1, 2, 2], _path_graph(6)),
        ([0, 0, 1, 1, 0, 0], _graph_of_edges(6, [(0, 1), (1, 2), (2, 3), (4, 5)])),
    ],
)
def test_joining_stray_pieces_leaves_contiguous_regions_alone(
    labels: list[int], graph: sparse.csr_matrix
) -> None:
    np.testing.assert_array_equal(_join(labels, graph), labels)


def _strip(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1,000 places on a strip about 220 km long and 9 km wide, one attribute ignoring the map."""
    rng = np.random.default_rng(seed)
    latitude = rng.uniform(34.0, 36.0, 1000)
    longitude = rng.uniform(-118.1, -118.0, 1000)
    return rng.normal(size=(1000, 1)), latitude, longitude


def _fit_without_joining(
    monkeypatch: pytest.MonkeyPatch,
    strip: tuple[np.ndarray, np.ndarray, np.ndarray],
    k_values: list[int],
) -> dict[int, Regions]:
    """The regions of 60 sampled places, every other place left in its nearest one's region."""
    with monkeypatch.context() as patch:
        patch.setattr(regions_module, "_join_stray_pieces", lambda labels, *_: labels)
        return fit_regions(*strip, k_values, max_rows=60)


def test_sampled_regions_are_contiguous_in_the_graph_of_every_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attributes, latitude, longitude = _strip(seed=0)
    graph = neighbour_graph(latitude, longitude)
    assert connected_components(graph, directed=False)[0] == 1
    nearest_only = _fit_without_joining(monkeypatch, _strip(seed=0), [2, 3, 5])
    joined = fit_regions(attributes, latitude, longitude, [2, 3, 5], max_rows=60)
    for k, regions in joined.items():
        # Each sampled place's nearest places alone leave regions in pieces on the full graph.
        assert fragmented_clusters(nearest_only[k].labels, graph) > 0
        assert fragmented_clusters(regions.labels, graph) == 0
        assert regions.labels.shape == (1000,)
        assert np.array_equal(np.unique(regions.labels), np.arange(k))
        mean_latitude = pd.Series(latitude).groupby(regions.labels).mean().to_numpy()
        assert np.all(np.diff(mean_latitude) < 0)
        # Only stray pieces move: each region's largest piece stays together, one per region.
        edges = sparse.coo_matrix(graph)
        before = nearest_only[k].labels
        inside = before[edges.row] == before[edges.col]
        within = sparse.coo_matrix(
            (np.ones(int(inside.sum())), (edges.row[inside], edges.col[inside])), graph.shape
        )
        piece = connected_components(within, directed=False)[1]
        new_region_of_largest = []
        for region in range(k):
            largest = np.bincount(piece[before == region]).argmax()
            new_labels = np.unique(regions.labels[piece == largest])
            assert new_labels.size == 1
            new_region_of_largest.append(int(new_labels[0]))
        assert sorted(new_region_of_largest) == list(range(k))


def test_sampled_regions_already_contiguous_are_left_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attributes, latitude, longitude = _strip(seed=1)
    nearest_only = _fit_without_joining(monkeypatch, _strip(seed=1), [2])[2]
    assert fragmented_clusters(nearest_only.labels, neighbour_graph(latitude, longitude)) == 0
    regions = fit_one(attributes, latitude, longitude, 2, max_rows=60)
    np.testing.assert_array_equal(regions.labels, nearest_only.labels)
