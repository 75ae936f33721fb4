"""The domain keys of the caches: which data a page shows and everything a model depends on.

Small frozen dataclasses, hashable, so Streamlit's caches can key on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.engine.clustering import NInit
from components.ui.url_state import ClusterSettings

SOURCE_FILE = "file"


SOURCE_UPLOAD = "upload"


@dataclass(frozen=True)
class DataSource:
    """Which data the page shows: a file (path and modification time) or an upload.

    Attributes
    ----------
    kind : str
        "file" or "upload".
    name : str
        The file's path, or the upload's sha256.
    version : int
        The file's modification time in ns (so an edited file is re-read); 0 for uploads.
    label : str
        What to tell the user about where the data came from.
    """

    kind: str
    name: str
    version: int = 0
    label: str = ""


@dataclass(frozen=True)
class ModelKey:
    """Everything a sweep depends on (the cache key of the model)."""

    source: DataSource
    features: tuple[str, ...]
    missing: str
    scaler: str
    location_weight: float
    split: bool
    random_state: int
    n_init: NInit


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


@dataclass(frozen=True)
class PlacesKey:
    """Everything the k-means model of a places file depends on (the cache key).

    Attributes
    ----------
    digest : str
        sha256 of the file's bytes.
    lat_col, lon_col : str
        The coordinate columns used.
    features : tuple of str
        The columns clustered on.
    scaler : str
        The scaler actually used.
    location_weight : float
        The geographic scaler's weight (1.0 for the other scalers).
    random_state : int
        Seed of k-means.
    """

    digest: str
    lat_col: str
    lon_col: str
    features: tuple[str, ...]
    scaler: str
    location_weight: float
    random_state: int
