"""The domain keys of the caches: which data a page shows and everything a model depends on.

Small frozen dataclasses, hashable, so Streamlit's caches can key on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.engine.clustering import NInit
from components.ui.url_state import ClusterSettings

SOURCE_FILE = "file"


SOURCE_UPLOAD = "upload"


SOURCE_PLACES = "places"


SOURCE_DISTRIBUTED = "distributed"


@dataclass(frozen=True)
class DataSource:
    """Which data a page shows: a file (path and modification time) or an upload.

    Attributes
    ----------
    kind : str
        "file" or "upload" (housing data), "places" (a user's file of places), or
        "distributed" (a result folder written by ``python -m components.engine.distributed``).
    name : str
        The file's or the result folder's path, or the upload's sha256.
    version : int
        The file's (a result's manifest's) modification time in ns, so an edited file is
        re-read; 0 for uploads.
    label : str
        What to tell the user about where the data came from.
    """

    kind: str
    name: str
    version: int = 0
    label: str = ""


@dataclass(frozen=True)
class ModelKey:
    """Everything a sweep depends on (the cache key of the model and of its per-k views).

    The housing data and a user's places share this key; they differ in the source's kind,
    and places have the coordinate columns the user chose.

    Attributes
    ----------
    source : DataSource
        The data.
    features : tuple of str
        The columns clustered on.
    missing : str
        "exclude" or "median": what happens to rows with a missing feature.
    scaler : str
        The scaler actually used.
    location_weight : float
        The geographic scaler's weight (1.0 for the other scalers).
    split : bool
        Fit on a training set and assign the test rows to the nearest centroid.
    random_state : int
        Seed of k-means.
    n_init : str or int
        k-means restarts.
    lat_col, lon_col : str
        The coordinate columns.
    """

    source: DataSource
    features: tuple[str, ...]
    missing: str
    scaler: str
    location_weight: float
    split: bool
    random_state: int
    n_init: NInit
    lat_col: str = "latitude"
    lon_col: str = "longitude"


def model_key(source: DataSource, settings: ClusterSettings, scaler: str) -> ModelKey:
    """Build the model key from the page's settings.

    Parameters
    ----------
    source : DataSource
        The data.
    settings : ClusterSettings
        The page's settings (k and the box-plot feature are not part of the model).
    scaler : str
        The scaler actually used (the page may fall back from "geographic").

    Returns
    -------
    ModelKey
        The key; the location weight is normalised to 1.0 unless it applies.
    """
    return ModelKey(
        source=source,
        features=tuple(settings.features),
        missing=settings.missing,
        scaler=scaler,
        location_weight=float(settings.location_weight) if scaler == "geographic" else 1.0,
        split=bool(settings.split),
        random_state=int(settings.random_state),
        n_init=settings.n_init,
    )


def places_source(digest: str, file_name: str) -> DataSource:
    """Return the data source of a places file: its sha256, and its name to show."""
    return DataSource(kind=SOURCE_PLACES, name=digest, label=file_name)


def places_key(
    file: DataSource,
    lat_col: str,
    lon_col: str,
    features: tuple[str, ...],
    scaler: str,
    location_weight: float,
    random_state: int,
) -> ModelKey:
    """Build the model key of a places file.

    Parameters
    ----------
    file : DataSource
        A "places" source (the file's sha256 and name).
    lat_col, lon_col : str
        The coordinate columns used.
    features : tuple of str
        The columns clustered on.
    scaler : str
        The scaler actually used.
    location_weight : float
        The geographic scaler's weight (normalised to 1.0 unless it applies).
    random_state : int
        Seed of k-means.

    Returns
    -------
    ModelKey
        Rows with an empty feature are left out (missing "exclude"), no split, k-means++ once.
    """
    return ModelKey(
        source=file,
        features=tuple(features),
        missing="exclude",
        scaler=scaler,
        location_weight=float(location_weight) if scaler == "geographic" else 1.0,
        split=False,
        random_state=int(random_state),
        n_init="auto",
        lat_col=lat_col,
        lon_col=lon_col,
    )
