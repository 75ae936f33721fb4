"""The domain keys of the caches: which data a page shows and everything a model depends on.

Small frozen dataclasses, hashable, so Streamlit's caches can key on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.engine.clustering import NInit
from components.ui.url_state import ClusterSettings

SOURCE_HOUSING = "housing"
SOURCE_UPLOAD = "upload"
SOURCE_DISTRIBUTED = "distributed"


@dataclass(frozen=True)
class DataSource:
    """Which data the pages show: the census file, a file of places, or a result folder.

    Attributes
    ----------
    kind : str
        "housing" (the census data file), "upload" (a user's file of places, or the
        example), or "distributed" (a folder written by
        ``python -m components.engine.distributed``).
    name : str
        The census file's or the result folder's path, or the upload's sha256.
    version : int
        The file's (a result's manifest's) modification time in ns, so an edited file is
        re-read; 0 for uploads.
    label : str
        What to call the data on the page (a file's name, never a server path).
    lat_col, lon_col : str or None
        An upload's chosen coordinate columns; None: found by their names.
    """

    kind: str
    name: str
    version: int = 0
    label: str = ""
    lat_col: str | None = None
    lon_col: str | None = None

    @property
    def is_upload(self) -> bool:
        """Whether the data are this session's file (held per session, not process-wide)."""
        return self.kind == SOURCE_UPLOAD


@dataclass(frozen=True)
class ModelKey:
    """Everything a sweep depends on (the cache key of the model and of its per-k views).

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
    transforms : tuple of (str, str)
        (feature, transform) applied before the scaler.
    method : str
        How the clusters are formed (a key of ``url_state.METHODS``).
    fine_k : int
        The fine clusters of the "levels" method (0 for the other methods).
    saved_model : str
        The saved model of the "model" method (its sha256's first 16 hex digits; else empty).
    """

    source: DataSource
    features: tuple[str, ...]
    missing: str
    scaler: str
    location_weight: float
    split: bool
    random_state: int
    n_init: NInit
    transforms: tuple[tuple[str, str], ...] = ()
    method: str = "kmeans"
    fine_k: int = 0
    saved_model: str = ""


def model_key(source: DataSource, settings: ClusterSettings, scaler: str) -> ModelKey:
    """Build the model key from the page's settings.

    Parameters
    ----------
    source : DataSource
        The data.
    settings : ClusterSettings
        The page's settings (k and the value column are not part of the model).
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
        transforms=tuple(
            (name, how) for name, how in settings.transforms if name in settings.features
        ),
        method=settings.method,
        fine_k=int(settings.fine_k) if settings.method == "levels" else 0,
        saved_model=settings.model if settings.method == "model" else "",
    )
