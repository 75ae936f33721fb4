"""Tests of the distributed k-sweep (components.engine.distributed) and its result's reader.

The sweep runs on a LocalCluster of 2 workers (threads of this process, so nothing outlives
the tests). On data small enough for scikit-learn the result is checked against it: from the
same k-means|| start scikit-learn's KMeans reaches the same inertia (within 1 %) and labels
(ARI >= 0.95, the app's adjusted_rand) at every k; the metrics equal scikit-learn's; the ids
follow the app's colour-identity rule; the written folder reads back.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from distributed import Client
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from components.engine.clustering import assign_to_centroids, order_by_key
from components.engine.distributed.__main__ import main
from components.engine.distributed.cluster import dask_client, describe_client
from components.engine.distributed.scale import column_moments, fit_chunk_scaler
from components.engine.distributed.start import kmeans_parallel_candidates, start_for
from components.engine.distributed.sweep import KMEANS_TOLERANCE, run_distributed_sweep
from components.engine.distributed.synthetic import clustered_places, write_clustered_places
from components.engine.distributed_result import (
    CELLS_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    DistributedSweepResult,
    cell_centres,
    cell_ids,
    cells_frame,
    choose_cell_degrees,
    read_distributed_result,
    write_distributed_result,
)
from components.engine.partitions import adjusted_rand, match_labels
from components.engine.scaling import SCALERS, scale_features

FEATURES = ("latitude", "longitude", "price")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with dask_client(n_workers=2, threads_per_worker=1, processes=False) as connected:
        yield connected


def _scaled_like_the_app(frame: pd.DataFrame, scaler: str = "standard") -> np.ndarray:
    values = frame[list(FEATURES)].to_numpy(dtype=np.float64)
    return scale_features(values, FEATURES, scaler).train


# --------------------------------------------------------------------------- grid and reader


def test_cell_ids_and_centres_round_trip_and_edges() -> None:
    rng = np.random.default_rng(0)
    latitude = rng.uniform(-90, 90, 1000)
    longitude = rng.uniform(-180, 180, 1000)
    for size in (0.01, 0.5, 5.0):
        centre_latitude, centre_longitude = cell_centres(cell_ids(latitude, longitude, size), size)
        assert np.all(np.abs(centre_latitude - latitude) <= size / 2 + 1e-9)
        assert np.all(np.abs(centre_longitude - longitude) <= size / 2 + 1e-9)
    # The north pole and the antimeridian fall in the last row and column, not outside.
    corner = cell_ids(np.array([90.0, -90.0]), np.array([180.0, -180.0]), 1.0)
    np.testing.assert_array_equal(corner, [179 * 360 + 359, 0])


def test_grid_helpers_reject_bad_values_naming_them() -> None:
    with pytest.raises(ValueError, match=r"latitude has values in \[-91.0, 10.0\].*\[-90, 90\]"):
        cell_ids(np.array([-91.0, 10.0]), np.array([0.0, 0.0]), 0.1)
    with pytest.raises(ValueError, match=r"longitude .*\[-180, 180\]"):
        cell_ids(np.array([0.0]), np.array([181.0]), 0.1)
    with pytest.raises(ValueError, match=r"cell_degrees=0 is out of range; .*\[0.0001, 10\]"):
        cell_ids(np.array([0.0]), np.array([0.0]), 0)
    with pytest.raises(ValueError, match=r"cells has ids in \[-1, -1\]"):
        cell_centres(np.array([-1]), 1.0)


def test_choose_cell_degrees_bounds_the_cells_across() -> None:
    assert choose_cell_degrees((32.5, 42.0), (-124.4, -114.1)) == 0.05  # California: 206 across
    assert choose_cell_degrees((45.0, 45.3), (5.5, 6.0)) == 0.002
    assert choose_cell_degrees((-90, 90), (-180, 180)) == 1.0
    assert choose_cell_degrees((0, 0), (0, 0)) == 0.001


def _hand_made_result() -> DistributedSweepResult:
    cells = cells_frame(
        np.array([2, 2, 3]),
        np.array([10, 11, 10]),
        np.array([5, 3, 5]),
        np.array([0, 1, 2]),
        np.array([4, 3, 3]),
        1.0,
    )
    return DistributedSweepResult(
        source="places/*.parquet",
        features=("latitude", "longitude"),
        scaler="standard",
        location_weight=1.0,
        latitude_column="latitude",
        longitude_column="longitude",
        n_rows=8,
        n_rows_dropped=1,
        k_values=(2, 3),
        centroids=(np.array([[1.0, 0.0], [-1.0, 0.5]]), np.arange(6.0).reshape(3, 2)),
        centroids_original=(np.array([[40.0, -120.0], [35.0, np.nan]]), np.ones((3, 2))),
        cluster_sizes=(np.array([5, 3]), np.array([4, 3, 1])),
        initial_centroids=(np.zeros((2, 2)), np.zeros((3, 2))),
        inertia=np.array([10.0, 4.0]),
        silhouette=np.array([0.5, 0.4]),
        silhouette_spread=np.array([np.nan, 0.01]),
        silhouette_samples=np.array([[0.5, 0.39], [0.5, 0.41]]),
        silhouette_sample_size=8,
        calinski_harabasz=np.array([20.0, 30.0]),
        davies_bouldin=np.array([0.6, 0.7]),
        n_iter=np.array([3, 4]),
        fit_seconds=np.array([1.5, 2.5]),
        cell_degrees=1.0,
        cells=cells,
        scaler_parameters={"center": [38.0, -120.0], "scale": [2.0, 3.0]},
        random_state=7,
        engine="test",
        scheduler="LocalCluster (2 threads)",
        n_workers=2,
        total_seconds=12.5,
    )


def test_result_round_trips_through_its_folder(tmp_path: Path) -> None:
    written = _hand_made_result()
    folder = write_distributed_result(written, tmp_path / "result")
    read = read_distributed_result(folder)
    for name in ("source", "features", "scaler", "n_rows", "n_rows_dropped", "k_values"):
        assert getattr(read, name) == getattr(written, name)
    for name in ("inertia", "silhouette", "silhouette_spread", "silhouette_samples", "n_iter"):
        np.testing.assert_array_equal(getattr(read, name), getattr(written, name))
    for k in written.k_values:
        np.testing.assert_array_equal(read.centroids_for(k), written.centroids_for(k))
        np.testing.assert_array_equal(
            read.centroids_for(k, original_units=True),
            written.centroids_for(k, original_units=True),
        )
    pd.testing.assert_frame_equal(read.cells, written.cells)
    assert read.scaler_parameters == written.scaler_parameters
    cells = read.cells_for(2)
    assert cells["cell"].tolist() == [10, 11]
    assert cells["share"].tolist() == [0.8, 1.0]
    assert (cells["latitude"].tolist(), cells["longitude"].tolist()) == (
        [-89.5, -89.5],
        [-169.5, -168.5],
    )
    profile = read.profile(3)
    assert profile["size"].tolist() == [4, 3, 1]
    assert profile["share"].tolist() == [0.5, 0.375, 0.125]
    assert list(read.metrics()["k"]) == [2, 3]
    assert read.suggestion().best_calinski_harabasz == 3
    # NaN is written as null (valid JSON) and read back as NaN.
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["per_k"][0]["silhouette_spread"] is None
    # Writing again replaces the earlier result.
    write_distributed_result(written, folder)
    assert read_distributed_result(folder).n_rows == 8


def test_reader_and_writer_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"manifest\.json does not exist"):
        read_distributed_result(tmp_path / "nowhere")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="exists and is not a result folder"):
        write_distributed_result(_hand_made_result(), tmp_path / "other")
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"
    folder = write_distributed_result(_hand_made_result(), tmp_path / "result")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=f"format_version={FORMAT_VERSION + 1}; this app reads"):
        read_distributed_result(folder)
    manifest["format_version"] = FORMAT_VERSION
    del manifest["per_k"][1]["centroids"]
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="incomplete or damaged result"):
        read_distributed_result(folder)
    # What the app starts its sample of the rows from must be valid.
    folder = write_distributed_result(_hand_made_result(), tmp_path / "result")
    written = json.loads((folder / MANIFEST_FILE).read_text())
    for name, value, expected in (
        ("scaler", "magic", r"scaler='magic' is unknown; expected one of \['standard'"),
        ("random_state", -1, r"random_state=-1 is invalid; expected an integer >= 0"),
    ):
        (folder / MANIFEST_FILE).write_text(json.dumps({**written, name: value}))
        with pytest.raises(ValueError, match=expected):
            read_distributed_result(folder)
    with pytest.raises(ValueError, match=r"k=4 is not in the result; expected one of \[2, 3\]"):
        _hand_made_result().cells_for(4)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"garbage", "not an .npz archive"),
        (b"PK\x03\x04broken", "File is not a zip file"),
        (b"", "not an .npz archive|No data left|EOF"),
        (b"npy", "one array, not an .npz archive of arrays"),
    ],
)
def test_a_damaged_cells_file_is_named(tmp_path: Path, content: bytes, reason: str) -> None:
    folder = write_distributed_result(_hand_made_result(), tmp_path / "result")
    if content == b"npy":
        np.save(folder / "one.npy", np.arange(3))
        content = (folder / "one.npy").read_bytes()
    (folder / CELLS_FILE).write_bytes(content)
    with pytest.raises(ValueError, match=r"cells\.npz is not a readable cells file") as caught:
        read_distributed_result(folder)
    assert re.search(reason, str(caught.value)), caught.value
    assert "write the result again" in str(caught.value)


# --------------------------------------------------------------------------- scaling


@pytest.mark.parametrize("scaler", sorted(SCALERS))
def test_scalers_on_chunks_equal_the_apps(scaler: str) -> None:
    frame = clustered_places(20_000, seed=4)
    frame.loc[:99, "price"] = 250.0  # some ties, as real data has
    values = frame[list(FEATURES)].to_numpy(dtype=np.float64)
    array = da.from_array(values, chunks=(2_500, 3))
    fitted = fit_chunk_scaler(array, FEATURES, scaler, column_moments(array), location_weight=2.0)
    ours = array.map_blocks(fitted, dtype=np.float64).compute(scheduler="sync")
    theirs = scale_features(values, FEATURES, scaler, location_weight=2.0).train
    if scaler == "robust":
        # dask's percentiles merge per-chunk percentiles: close to, not equal to, numpy's.
        np.testing.assert_allclose(ours, theirs, rtol=0.01, atol=0.01)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_scaler_validation_names_the_value() -> None:
    array = da.from_array(np.ones((10, 2)), chunks=(5, 2))
    moments = column_moments(array)
    with pytest.raises(ValueError, match="scaler='zscore' is not one of"):
        fit_chunk_scaler(array, ("a", "b"), "zscore", moments)
    with pytest.raises(ValueError, match=r"location_weight=11 is out of range.*\[0, 10\]"):
        fit_chunk_scaler(
            array, ("latitude", "longitude"), "geographic", moments, location_weight=11
        )
    with pytest.raises(ValueError, match="needs both coordinates among the features"):
        fit_chunk_scaler(array, ("latitude", "price"), "geographic", moments)
    # A constant column keeps scale 1, as scikit-learn's scalers do.
    fitted = fit_chunk_scaler(array, ("a", "b"), "standard", moments)
    np.testing.assert_array_equal(fitted(np.ones((2, 2))), np.zeros((2, 2)))


# --------------------------------------------------------------------------- k-means|| start


def test_kmeans_parallel_candidates_are_weighted_rows_of_the_data() -> None:
    values = _scaled_like_the_app(clustered_places(4_000, seed=6))
    array = da.from_array(values, chunks=(500, 3))
    with dask.config.set(scheduler="sync"):
        candidates = kmeans_parallel_candidates(array, oversampling=20.0, rounds=4, random_state=0)
    rows = {tuple(row) for row in values}
    assert all(tuple(centre) in rows for centre in candidates.centres)
    assert candidates.weights.sum() == 4_000
    assert 20 <= candidates.centres.shape[0] <= 200  # 1 + about 20 per round
    nearest = assign_to_centroids(values, candidates.centres)
    np.testing.assert_array_equal(
        candidates.weights, np.bincount(nearest, minlength=len(candidates.centres))
    )
    start = start_for(candidates, 6, 0)
    assert start.shape == (6, 3)


def test_start_for_needs_as_many_distinct_candidates_as_k() -> None:
    values = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 0.0]]), 100, axis=0)
    with dask.config.set(scheduler="sync"):
        candidates = kmeans_parallel_candidates(
            da.from_array(values, chunks=(50, 2)), oversampling=10.0, rounds=5, random_state=1
        )
    assert candidates.centres.shape[0] == 3
    with pytest.raises(ValueError, match="k=4 is out of range for 3 distinct candidate centres"):
        start_for(candidates, 4, 0)


# --------------------------------------------------------------------------- the sweep


def test_sweep_rejects_bad_parameters_before_any_work(tmp_path: Path) -> None:
    no_client = None
    with pytest.raises(
        ValueError, match=r"k_values contains \[16\]; expected integers in \[2, 15\]"
    ):
        run_distributed_sweep(str(tmp_path), no_client, k_values=[2, 16])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"silhouette_sample_size=10 is out of range"):
        run_distributed_sweep(str(tmp_path), no_client, silhouette_sample_size=10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="features is empty"):
        run_distributed_sweep(str(tmp_path), no_client, features=())  # type: ignore[arg-type]


def test_command_rejects_k_min_above_k_max(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "--out", "result", "--k-min", "9", "--k-max", "4"]) == 2
    assert "--k-min=9 is above --k-max=4" in capsys.readouterr().err


@pytest.mark.slow
def test_sweep_errors_name_the_column_and_the_path(client: Client, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_distributed_sweep(str(tmp_path / "absent"), client)
    with pytest.raises(FileNotFoundError, match="matches no file"):
        run_distributed_sweep(str(tmp_path / "*.parquet"), client)
    folder = write_clustered_places(tmp_path / "places", 2_000, n_files=1)
    with pytest.raises(ValueError, match=r"columns \['rent'\] are not in .*expected some of"):
        run_distributed_sweep(str(folder), client, features=("latitude", "rent"))
    frame = clustered_places(2_000)
    frame["latitude"] = frame["latitude"] + 60.0
    frame.to_parquet(tmp_path / "north.parquet")
    with pytest.raises(ValueError, match=r"column 'latitude' has values in \[.*\]; .*\[-90, 90\]"):
        run_distributed_sweep(str(tmp_path / "north.parquet"), client)


def _check_against_scikit_learn(
    result: DistributedSweepResult, frame: pd.DataFrame, k_values: tuple[int, ...]
) -> dict[int, np.ndarray]:
    """The checks every sweep result must pass against scikit-learn; returns labels per k."""
    scaled = _scaled_like_the_app(frame)
    tolerance = KMEANS_TOLERANCE * float(scaled.var(axis=0).mean())
    labels_of = {}
    for k in k_values:
        labels = assign_to_centroids(scaled, result.centroids_for(k))
        labels_of[k] = labels
        index = result.index_of(k)
        reference = KMeans(
            n_clusters=k, init=result.initial_centroids[index], n_init=1, tol=tolerance
        ).fit(scaled)
        assert result.inertia[index] == pytest.approx(reference.inertia_, rel=0.01), k
        assert adjusted_rand(labels, reference.labels_) >= 0.95, k
        # The reported figures are those of the reported centroids and labels.
        distances = ((scaled - result.centroids_for(k)[labels]) ** 2).sum(axis=1)
        assert result.inertia[index] == pytest.approx(distances.sum(), rel=1e-9)
        np.testing.assert_array_equal(result.cluster_sizes[index], np.bincount(labels, minlength=k))
        assert result.calinski_harabasz[index] == pytest.approx(
            calinski_harabasz_score(scaled, labels), rel=1e-9
        )
        assert result.davies_bouldin[index] == pytest.approx(
            davies_bouldin_score(scaled, labels), rel=1e-9
        )
        original = frame[list(FEATURES)].to_numpy()
        for cluster in range(k):
            np.testing.assert_allclose(
                result.centroids_for(k, original_units=True)[cluster],
                original[labels == cluster].mean(axis=0),
                rtol=1e-9,
            )
        cells = result.cells_for(k)
        assert cells["count"].sum() == len(frame)
        assert ((cells["share"] > 0) & (cells["share"] <= 1)).all()
    return labels_of


def _check_the_apps_stable_ids(labels_of: dict[int, np.ndarray], latitude: np.ndarray) -> None:
    ks = sorted(labels_of)
    first = labels_of[ks[0]]
    np.testing.assert_array_equal(order_by_key(first, latitude, ks[0]), np.arange(ks[0]))
    for previous, k in itertools.pairwise(ks):
        rematched = match_labels(labels_of[previous], labels_of[k], k, order_key=latitude)
        np.testing.assert_array_equal(rematched, labels_of[k])


@pytest.mark.slow
def test_sweep_agrees_with_scikit_learn_at_every_k(client: Client, tmp_path: Path) -> None:
    frame = clustered_places(5_000, seed=1)
    folder = tmp_path / "places"
    folder.mkdir()
    for part in range(2):
        frame.iloc[part * 2_500 : (part + 1) * 2_500].to_parquet(folder / f"part-{part}.parquet")
    k_values = tuple(range(2, 16))
    result = run_distributed_sweep(
        str(folder),
        client,
        features=FEATURES,
        k_values=k_values,
        silhouette_sample_size=5_000,
        chunk_rows=1_000,
    )
    assert (result.n_rows, result.n_rows_dropped, result.k_values) == (5_000, 0, k_values)
    labels_of = _check_against_scikit_learn(result, frame, k_values)
    _check_the_apps_stable_ids(labels_of, frame["latitude"].to_numpy())
    scaled = _scaled_like_the_app(frame)
    # Every sample holds every row here, so the silhouette is exact and has no spread.
    for k in (2, 9, 15):
        index = result.index_of(k)
        assert result.silhouette[index] == pytest.approx(
            silhouette_score(scaled, labels_of[k]), rel=1e-6
        )
        assert result.silhouette_spread[index] == pytest.approx(0.0, abs=1e-12)
    # The written folder is what the app opens.
    read = read_distributed_result(write_distributed_result(result, tmp_path / "result"))
    np.testing.assert_allclose(read.inertia, result.inertia, rtol=1e-12)
    pd.testing.assert_frame_equal(read.cells, result.cells)
    assert read.suggestion() == result.suggestion()


@pytest.mark.slow
def test_sweep_finds_scikit_learns_best_fit_on_well_separated_places(
    client: Client, tmp_path: Path
) -> None:
    # Six towns far apart: k-means has one clear optimum at k = 6, from any good start.
    frame = clustered_places(6_000, n_centres=6, seed=2, spread_degrees=0.05)
    frame.to_parquet(tmp_path / "towns.parquet")
    result = run_distributed_sweep(
        str(tmp_path / "towns.parquet"), client, features=FEATURES, k_values=(6,)
    )
    scaled = _scaled_like_the_app(frame)
    best = KMeans(n_clusters=6, n_init=10, random_state=0).fit(scaled)
    labels = assign_to_centroids(scaled, result.centroids_for(6))
    assert result.inertia[0] == pytest.approx(best.inertia_, rel=0.01)
    assert adjusted_rand(labels, best.labels_) >= 0.95
    assert adjusted_rand(labels, frame["centre"].to_numpy()) >= 0.95


@pytest.mark.slow
def test_sweep_of_millions_of_rows_on_two_workers(client: Client, tmp_path: Path) -> None:
    folder = write_clustered_places(tmp_path / "places", 3_000_000, n_files=4, seed=5)
    # One more file with rows the sweep must leave out (missing price, missing latitude).
    incomplete = clustered_places(1_000, seed=99)
    incomplete.loc[:9, "price"] = np.nan
    incomplete.loc[10:14, "latitude"] = np.nan
    incomplete.to_parquet(folder / "part-99999.parquet", index=False)
    k_values = (3, 8, 15)
    result = run_distributed_sweep(
        str(folder),
        client,
        features=FEATURES,
        k_values=k_values,
        chunk_rows=500_000,
        random_state=3,
    )
    assert (result.n_rows, result.n_rows_dropped) == (3_000_985, 15)
    assert describe_client(client) == ("LocalCluster (2 threads)", 2)
    frame = pd.concat(
        [pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))], ignore_index=True
    ).dropna()
    labels_of = _check_against_scikit_learn(result, frame, k_values)
    _check_the_apps_stable_ids(labels_of, frame["latitude"].to_numpy())
    assert np.isfinite(result.silhouette).all() and np.isfinite(result.silhouette_spread).all()
    assert result.silhouette_samples.shape == (3, len(k_values))
    assert result.cell_degrees == 0.05
    read = read_distributed_result(write_distributed_result(result, tmp_path / "result"))
    for k in k_values:
        pd.testing.assert_frame_equal(read.cells_for(k), result.cells_for(k))
        pd.testing.assert_frame_equal(read.profile(k), result.profile(k))


@pytest.mark.slow
def test_command_writes_a_result_the_app_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_clustered_places(tmp_path / "places", 20_000, n_files=2)
    out = tmp_path / "result"
    code = main(
        [
            str(folder / "*.parquet"),
            "--out",
            str(out),
            "--features",
            *FEATURES,
            "--k-max",
            "4",
            "--workers",
            "2",
            "--silhouette-sample-size",
            "2000",
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    last = printed.out.strip().splitlines()[-1]
    assert last.startswith("distributed n=20000 k=2..4 seconds=")
    assert last.endswith(f"out={out}")
    result = read_distributed_result(out)
    assert result.k_values == (2, 3, 4)
    assert result.scheduler.startswith("LocalCluster")
    assert main([str(tmp_path / "absent"), "--out", str(out), "--k-max", "3"]) == 2
    assert "does not exist" in capsys.readouterr().err
