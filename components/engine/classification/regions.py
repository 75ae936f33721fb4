"""Contiguous regions: Ward clustering that only joins neighbouring places.

Pure Python (no Streamlit). K-means groups places whose values are alike wherever they lie, so
one cluster may be scattered over the map. A regionalisation (GeoDa's and PySAL spopt's word)
asks instead for regions: clusters whose places touch each other. :func:`fit_regions` gets them
from scikit-learn's ``AgglomerativeClustering(linkage="ward", connectivity=graph)``: Ward's
merges (each the one that adds least to the within-cluster sum of squares) are allowed only
between clusters joined by an edge of :func:`neighbour_graph`, the places' k nearest neighbours
on the map. Every merge joins two connected sets of places, so every region is connected.

The graph may fall apart into separate groups of places (an island, a town far from the rest).
No region can span two groups, so each group holds at least one region: ``n_clusters`` must be
at least the number of groups. scikit-learn would join the groups itself, with a warning, by
edges between their closest places (found from the distances between every place of one group
and every place of the other: a large matrix for large groups), and could then merge across
them at any step; here they are kept apart (see :func:`_ward_labels`).

Ward on a sparse graph needs memory in proportion to the number of places, but its merge loop
runs in Python and its time grows faster than the number of places. Above
:data:`MAX_REGION_ROWS` places, the regions are fitted on a seeded uniform random sample of
that many places (uniform sampling keeps the places' density over the map), and every other
place takes the region of its nearest sampled place on the map. That makes the regions
contiguous in the sample's graph, at the sample's coarser spacing, but in the graph of every
place some places near a border can form pieces cut off from the rest of their region; each
such piece then joins the neighbouring region it shares most edges with (see
:func:`_join_stray_pieces`). The result says how many places were fitted
(:attr:`Regions.sampled_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.neighbors import NearestNeighbors

from components.engine.clustering import order_by_key
from components.engine.scaling import LOCATION_WEIGHT_RANGE, project_to_km
from components.engine.validation import (
    check_float,
    check_int,
    check_random_state,
    validate_cluster_ids,
    validate_matrix,
    validate_n_clusters,
)

__all__ = [
    "MAX_REGION_ROWS",
    "Regions",
    "cut_tree",
    "fit_regions",
    "fragmented_clusters",
    "neighbour_graph",
    "sample_rows",
    "within_cluster_sum_of_squares",
]

# The most places Ward is fitted on; beyond it, a sample. Chosen so one fit stays within
# seconds on the app's 2-core server (BENCHMARKS.md, "Regions").
MAX_REGION_ROWS = 50_000
# Rounds of handing stray pieces to a neighbouring region: each round settles the pieces next
# to a region's main piece, and pieces nested several deep in other stray pieces are rare.
_MAX_REPAIR_ROUNDS = 50


@dataclass(frozen=True)
class Regions:
    """Contiguous regions of places.

    Attributes
    ----------
    labels : numpy.ndarray
        Region id per place, ``0 .. n_clusters - 1``, numbered by descending mean latitude
        (region 0 is the northernmost), as the app numbers k-means clusters.
    n_components : int
        Number of separate groups of places in the neighbour graph the regions were fitted on
        (1 when every place can be reached from every other).
    sampled_rows : int
        Number of places Ward was fitted on: ``n_rows``, or :data:`MAX_REGION_ROWS` (the
        ``max_rows`` asked for) when there are more places; the others took the region of their
        nearest sampled place, and then pieces cut off from their region joined a neighbouring
        one.
    n_rows : int
        Number of places.
    n_neighbors : int
        Number of nearest neighbours each place was joined to.
    """

    labels: np.ndarray
    n_components: int
    sampled_rows: int
    n_rows: int
    n_neighbors: int


def sample_rows(generator: np.random.Generator, n_rows: int, size: int) -> np.ndarray:
    """Sorted row numbers of a seeded sample; every row, in order, when size >= n_rows."""
    if size >= n_rows:
        return np.arange(n_rows)
    return np.sort(generator.choice(n_rows, size=size, replace=False))


def _check_places(latitude: object, longitude: object) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude as finite 1-D float arrays of one length, in degrees' ranges."""
    arrays = []
    for name, values, limit in (("latitude", latitude, 90.0), ("longitude", longitude, 180.0)):
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 1 or array.size < 3:
            raise ValueError(
                f"{name} has shape {array.shape}; expected one value per place, at least 3 places."
            )
        if not np.all(np.isfinite(array)) or np.abs(array).max() > limit:
            raise ValueError(f"{name} must hold finite degrees in [-{limit:g}, {limit:g}].")
        arrays.append(array)
    if arrays[0].size != arrays[1].size:
        raise ValueError(
            f"latitude has {arrays[0].size} values and longitude {arrays[1].size}; "
            "expected one of each per place."
        )
    return arrays[0], arrays[1]


def _project(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Kilometres on the map, true at the places' mean latitude."""
    return project_to_km(latitude, longitude, float(np.cos(np.radians(latitude.mean()))))


def _graph(km: np.ndarray, n_neighbors: int) -> sparse.csr_matrix:
    """Symmetric k-nearest-neighbour graph of places given in km; duplicates share a spot.

    Places at one spot (equal coordinates) are joined to the spot's first place, and every
    place to the first place of each of the ``n_neighbors`` nearest other spots. A plain k-NN
    graph would cut off a spot holding more than ``n_neighbors`` places: their nearest
    neighbours would all be each other.
    """
    n_places = km.shape[0]
    spots, first_place, spot_of_place = np.unique(
        km, axis=0, return_index=True, return_inverse=True
    )
    spot_of_place = spot_of_place.ravel()
    places = np.arange(n_places)
    own_first = first_place[spot_of_place]
    duplicate = places != own_first
    rows = [places[duplicate]]
    columns = [own_first[duplicate]]
    n_spot_neighbors = min(n_neighbors, spots.shape[0] - 1)
    if n_spot_neighbors > 0:
        nearest_spots = (
            NearestNeighbors(n_neighbors=n_spot_neighbors)
            .fit(spots)
            .kneighbors(return_distance=False)
        )
        rows.append(np.repeat(places, n_spot_neighbors))
        columns.append(first_place[nearest_spots[spot_of_place]].ravel())
    row = np.concatenate(rows)
    column = np.concatenate(columns)
    edges = sparse.coo_matrix(
        (np.ones(row.size), (row, column)), shape=(n_places, n_places)
    ).tocsr()
    return edges.maximum(edges.T).tocsr()


def neighbour_graph(
    latitude: np.ndarray, longitude: np.ndarray, n_neighbors: int = 8
) -> sparse.csr_matrix:
    """Join every place to its nearest neighbours on the map, both ways.

    The places are projected to kilometres (equirectangular around their mean latitude, as
    the geographic scaler does). Places with equal coordinates count as one spot: they are
    joined to each other (through the spot's first place) and to the ``n_neighbors`` nearest
    other spots, so a crowded spot is never cut off from the rest.

    Parameters
    ----------
    latitude, longitude : numpy.ndarray
        Degrees, one value per place (at least 3 places).
    n_neighbors : int
        Nearest other spots each place is joined to, in [1, number of places - 1] (fewer when
        there are fewer other spots).

    Returns
    -------
    scipy.sparse.csr_matrix
        Symmetric (n_places, n_places) matrix with 1 where two places are joined.

    Raises
    ------
    ValueError
        On coordinates that are not finite degrees of one length, or ``n_neighbors`` out of range.
    """
    latitude, longitude = _check_places(latitude, longitude)
    n_neighbors = check_int(n_neighbors, "n_neighbors", 1, latitude.size - 1)
    return _graph(_project(latitude, longitude), n_neighbors)


def _ward_labels(
    features: np.ndarray,
    graph: sparse.csr_matrix,
    k_values: Sequence[int],
    component: np.ndarray,
    n_components: int,
) -> dict[int, np.ndarray]:
    """Ward clusters joined only along ``graph``, whose places form ``n_components`` groups.

    With several groups, scikit-learn would join them by edges of its own and might merge
    across them at any step. Here the groups are chained by one edge each and pushed apart by
    an extra column: a merge across groups then adds at least half the square of the gap to
    the within-cluster sum of squares, more than the data's whole sum of squares, which bounds
    every merge inside a group. So every merge inside the groups comes first, and cutting the
    tree at ``n_clusters`` (at least the number of groups) never joins two groups.
    """
    if n_components > 1:
        total = float(((features - features.mean(axis=0)) ** 2).sum())
        gap = 2.0 * np.sqrt(total) + 1.0
        features = np.column_stack([features, gap * component])
        first_of_component = np.unique(component, return_index=True)[1]
        links = (first_of_component[:-1], first_of_component[1:])  # each group to the next
        chain = sparse.coo_matrix((np.ones(n_components - 1), links), shape=graph.shape)
        graph = (graph + chain + chain.T).tocsr()
    model = AgglomerativeClustering(
        n_clusters=min(k_values), linkage="ward", connectivity=graph, compute_full_tree=True
    ).fit(features)
    return cut_tree(np.asarray(model.children_), features.shape[0], k_values)


def cut_tree(children: np.ndarray, n_leaves: int, k_values: Sequence[int]) -> dict[int, np.ndarray]:
    """Each leaf's cluster (0..k-1) after the first ``n_leaves - k`` merges, for every k.

    Parameters
    ----------
    children : numpy.ndarray
        Integer array of shape (n_leaves - 1, 2): the two nodes each merge joins, as scikit-learn's
        ``children_`` or the first two columns of a scipy linkage matrix (leaves are
        ``0 .. n_leaves - 1``, the node made by merge ``i`` is ``n_leaves + i``).
    n_leaves : int
        Number of leaves.
    k_values : sequence of int
        Numbers of clusters, each in ``[1, n_leaves]``.

    Returns
    -------
    dict of int to numpy.ndarray
        Per k, the cluster of each leaf, numbered in the order of the clusters' roots.
    """
    parent = np.arange(2 * n_leaves - 1)
    wanted = set(k_values)
    cuts: dict[int, np.ndarray] = {}

    def roots() -> np.ndarray:
        jump = parent.copy()
        while True:  # pointer doubling: every node reaches its root in log(depth) passes
            further = jump[jump]
            if np.array_equal(further, jump):
                return jump[:n_leaves]
            jump = further

    if n_leaves in wanted:
        cuts[n_leaves] = np.arange(n_leaves)
    for step, (first, second) in enumerate(children):
        parent[first] = parent[second] = n_leaves + step
        n_clusters = n_leaves - step - 1
        if n_clusters in wanted:
            cuts[n_clusters] = np.unique(roots(), return_inverse=True)[1].astype(np.int64)
        if len(cuts) == len(wanted):
            break
    return cuts


def _largest_piece_of_each(key_of_piece: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The largest piece (ties: the lowest number) of each value of ``key_of_piece``."""
    by_key_then_size = np.lexsort((-size, key_of_piece))
    sorted_keys = key_of_piece[by_key_then_size]
    return by_key_then_size[np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]]


def _pieces(
    labels: np.ndarray, edge_starts: np.ndarray, edge_ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pieces of the clusters: the graph's connected components once the edges between
    different clusters are dropped.

    Returns whether each edge stays inside one cluster, each place's piece, and each piece's
    label (a piece never crosses clusters, so each piece has one label).
    """
    inside = labels[edge_starts] == labels[edge_ends]
    within = sparse.coo_matrix(
        (np.ones(int(inside.sum())), (edge_starts[inside], edge_ends[inside])),
        shape=(labels.size, labels.size),
    )
    n_pieces, piece = connected_components(within, directed=False)
    label_of_piece = np.empty(n_pieces, dtype=np.int64)
    label_of_piece[piece] = labels
    return inside, piece, label_of_piece


def _join_stray_pieces(
    labels: np.ndarray, edge_starts: np.ndarray, edge_ends: np.ndarray, group: np.ndarray
) -> np.ndarray:
    """Labels with every region's stray pieces handed to the neighbouring region they touch most.

    The graph is given by its edges, each once (``edge_starts[i]`` to ``edge_ends[i]``), and
    ``group``, its connected component per place. The pieces are the connected components of
    the graph once the edges between different regions are dropped. Each region keeps its
    largest piece (so every region keeps places); so does each group holding no region's
    largest piece, where its largest piece anchors the rest. Every other (stray) piece takes the
    region of the anchored pieces it shares the most edges with (ties: the lowest region id)
    and so joins one of them; pieces touching only other stray pieces wait for a later round.
    Counting edges to anchored pieces only means two stray neighbours never swap regions back
    and forth, and each round hands over at least one stray piece while any is left, since a
    path inside its group leads to an anchored piece.

    What holds when no stray piece is left (the rounds stop there, or after
    ``_MAX_REPAIR_ROUNDS``): every region is one connected piece of the graph, apart from whole
    groups of the graph that lie entirely in one region; with a connected graph, every region
    is connected. Labels already so are returned unchanged.
    """
    for _ in range(_MAX_REPAIR_ROUNDS):
        inside, piece, label_of_piece = _pieces(labels, edge_starts, edge_ends)
        n_pieces = label_of_piece.size
        size = np.bincount(piece, minlength=n_pieces)
        group_of_piece = np.empty(n_pieces, dtype=np.int64)
        group_of_piece[piece] = group
        anchored = np.zeros(n_pieces, dtype=bool)
        anchored[_largest_piece_of_each(label_of_piece, size)] = True
        holds_anchor = np.bincount(group_of_piece[anchored], minlength=int(group.max()) + 1)
        largest_of_group = _largest_piece_of_each(group_of_piece, size)
        anchored[largest_of_group[holds_anchor[group_of_piece[largest_of_group]] == 0]] = True
        n_stray = n_pieces - int(anchored.sum())
        if n_stray == 0:
            return labels
        start_piece = piece[edge_starts[~inside]]
        end_piece = piece[edge_ends[~inside]]
        start_anchored = anchored[start_piece]
        one_end_anchored = start_anchored != anchored[end_piece]
        stray_end = np.where(start_anchored, end_piece, start_piece)[one_end_anchored]
        anchored_end = np.where(start_anchored, start_piece, end_piece)[one_end_anchored]
        shared_edges = sparse.coo_matrix(
            (np.ones(stray_end.size), (stray_end, label_of_piece[anchored_end])),
            shape=(n_pieces, int(labels.max()) + 1),
        ).tocsr()
        moving = np.flatnonzero(shared_edges.getnnz(axis=1))
        label_of_piece[moving] = np.asarray(shared_edges[moving].argmax(axis=1)).ravel()
        labels = label_of_piece[piece]
        if moving.size == n_stray:  # each stray piece joined an anchored one: nothing is left
            return labels
    return labels


def fit_regions(
    attributes: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    n_clusters: Sequence[int],
    *,
    location_weight: float = 1.0,
    n_neighbors: int = 8,
    max_rows: int = MAX_REGION_ROWS,
    random_state: int = 0,
) -> dict[int, Regions]:
    """Group places into contiguous regions of alike attributes (Ward on a neighbour graph).

    Parameters
    ----------
    attributes : numpy.ndarray
        Scaled attribute matrix, shape (n_places, n_features), finite (the matrix k-means
        clusters; scaled location columns in it are fine).
    latitude, longitude : numpy.ndarray
        Degrees, one value per place.
    n_clusters : sequence of int
        Numbers of regions, each in [2, number of places fitted - 1]; they cut one Ward tree.
        Those below the number of separate groups of places in the neighbour graph are left
        out of the result, unless all are: then the smallest is refused.
    location_weight : float
        Weight of the places' positions, in [0, 10]: the projected coordinates, centred and
        divided by one common factor (so the two carry the variance of two standardised
        attributes), times this weight, join the attributes as two more columns. 0 clusters
        the attributes alone; the regions are contiguous either way.
    n_neighbors : int
        Nearest neighbours each place is joined to (see :func:`neighbour_graph`), in
        [1, number of places fitted - 1].
    max_rows : int
        Most places Ward is fitted on, at least 3; above it a seeded uniform random sample of
        ``max_rows`` places (``numpy.random.default_rng(random_state).choice(n_places,
        max_rows, replace=False)``) is fitted, every other place takes the region of its
        nearest sampled place on the map, and every piece of a region cut off from the rest of
        it in the neighbour graph of all places joins the neighbouring region it shares most
        edges with (each region keeps its largest piece). The regions are then contiguous in
        that graph, except that a separate group of places may lie whole in a region found
        elsewhere.
    random_state : int
        Seed of that sample.

    Returns
    -------
    dict of int to Regions
        Per number of regions: the region of each place, numbered north to south, with the
        graph's number of groups and how many places were fitted.

    Raises
    ------
    ValueError
        On attributes or coordinates that are not finite or not one row per place, a
        parameter out of range, or fewer regions than separate groups of places.
    """
    latitude, longitude = _check_places(latitude, longitude)
    values = validate_matrix(attributes, name="attributes")
    if values.shape[0] != latitude.size:
        raise ValueError(
            f"attributes has {values.shape[0]} rows and latitude {latitude.size} values; "
            "expected one row per place."
        )
    location_weight = check_float(location_weight, "location_weight", *LOCATION_WEIGHT_RANGE)
    max_rows = check_int(max_rows, "max_rows", 3)
    random_state = check_random_state(random_state)
    n_rows = latitude.size
    n_fitted = min(n_rows, max_rows)
    if isinstance(n_clusters, int | np.integer) or not len(n_clusters):
        raise ValueError(
            f"n_clusters={n_clusters!r} is invalid; expected a non-empty sequence of numbers "
            "of regions."
        )
    k_values = [validate_n_clusters(k, n_fitted) for k in n_clusters]
    n_neighbors = check_int(n_neighbors, "n_neighbors", 1, n_fitted - 1)

    km = _project(latitude, longitude)
    fitted = sample_rows(np.random.default_rng(random_state), n_rows, n_fitted)
    graph = _graph(km[fitted], n_neighbors)
    n_components, component = connected_components(graph, directed=False)
    # Numbers of regions below the number of groups cannot be cut: left out.
    k_values = [k for k in k_values if k >= n_components] or [min(k_values)]
    if min(k_values) < n_components:
        message = (
            f"The places form {n_components} separate groups that no chain of {n_neighbors} "
            f"nearest neighbours joins (the largest has {int(np.bincount(component).max())} "
            f"places), and a region cannot span two groups, so n_clusters={min(k_values)} is "
            f"too few; ask for at least {n_components} regions, raise the number of neighbours, "
            "or remove the outlying places."
        )
        if n_fitted < n_rows:
            message = f"In a random sample of {n_fitted} of the {n_rows} places: {message}"
        raise ValueError(message)

    features = values[fitted]
    if location_weight > 0:
        location = km[fitted] - km[fitted].mean(axis=0)
        scale = float(np.sqrt(location.var(axis=0).mean())) or 1.0
        features = np.column_stack([features, location_weight * location / scale])
    cuts = _ward_labels(features, graph, k_values, component, n_components)
    nearest = None
    if n_fitted < n_rows:
        others = np.setdiff1d(np.arange(n_rows), fitted, assume_unique=True)
        nearest = (
            NearestNeighbors(n_neighbors=1)
            .fit(km[fitted])
            .kneighbors(km[others], return_distance=False)[:, 0]
        )
        full_graph = _graph(km, n_neighbors)
        group = connected_components(full_graph, directed=False)[1]
        edges = sparse.triu(full_graph, k=1, format="coo")  # each edge once
    regions = {}
    for k, fitted_labels in sorted(cuts.items()):
        labels = np.empty(n_rows, dtype=np.int64)
        labels[fitted] = fitted_labels
        if nearest is not None:
            labels[others] = fitted_labels[nearest]
            labels = _join_stray_pieces(labels, edges.row, edges.col, group)
        regions[k] = Regions(
            labels=order_by_key(labels, latitude, k)[labels],
            n_components=int(n_components),
            sampled_rows=n_fitted,
            n_rows=n_rows,
            n_neighbors=n_neighbors,
        )
    return regions


def fragmented_clusters(labels: np.ndarray, graph: sparse.spmatrix) -> int:
    """Count the clusters whose places are not all joined within the cluster.

    A cluster is fragmented when the graph restricted to its own places has more than one
    connected component: some of its places cannot reach the others without leaving it.

    Parameters
    ----------
    labels : numpy.ndarray
        Non-negative integer cluster id per place.
    graph : scipy.sparse matrix
        Square (n_places, n_places) graph of neighbouring places, such as
        :func:`neighbour_graph`'s; an edge counts in both directions.

    Returns
    -------
    int
        Number of clusters made of more than one piece.

    Raises
    ------
    ValueError
        When ``labels`` are not non-negative integers or ``graph`` is not square with one row
        per label.
    """
    ids = validate_cluster_ids(labels)
    if not sparse.issparse(graph) or graph.shape != (ids.size, ids.size):
        shape = getattr(graph, "shape", None)
        raise ValueError(
            f"graph must be a sparse matrix of shape ({ids.size}, {ids.size}), one row and one "
            f"column per label; got {type(graph).__name__} of shape {shape}."
        )
    edges = sparse.coo_matrix(graph)
    label_of_piece = _pieces(ids, edges.row, edges.col)[2]
    return int(np.count_nonzero(np.bincount(label_of_piece) > 1))


def within_cluster_sum_of_squares(values: np.ndarray, labels: np.ndarray) -> float:
    """Sum over clusters of the squared distances of their places to the cluster's mean.

    Parameters
    ----------
    values : numpy.ndarray
        Finite matrix, shape (n_places, n_features).
    labels : numpy.ndarray
        Non-negative integer cluster id per place.

    Returns
    -------
    float
        The within-cluster sum of squares (k-means' inertia for k-means' own labels).

    Raises
    ------
    ValueError
        On values that are not a finite matrix, or labels that are not one id per row.
    """
    matrix = validate_matrix(values, name="values", min_rows=1)
    ids = validate_cluster_ids(labels)
    if ids.size != matrix.shape[0]:
        raise ValueError(
            f"labels has {ids.size} values and values {matrix.shape[0]} rows; "
            "expected one label per row."
        )
    counts = np.bincount(ids)
    sums = np.stack([np.bincount(ids, weights=column) for column in matrix.T], axis=1)
    means = sums / np.maximum(counts, 1)[:, None]
    return float(((matrix - means[ids]) ** 2).sum())
