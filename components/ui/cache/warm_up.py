"""The server's warm-up: what the first visitor would otherwise wait for, started at once."""

from __future__ import annotations

import logging
from concurrent.futures import Future

from components.engine import data
from components.ui import keys
from components.ui.cache import classification, model, views
from components.ui.cache.base_map import base_map_job
from components.ui.cache.data import dataset, housing_source
from components.ui.url_state import ClusterSettings

_LOGGER = logging.getLogger(__name__)


def start() -> None:
    """Start the warm-up in the background worker, once per server process.

    Called by the server's first script run (``streamlit run app.py``), or before the
    server takes requests (``serve.py``, :mod:`components.ui.warm_start`). Nothing here
    blocks that run: the kernels compile in a child process (compiling holds the GIL,
    which in a thread would stall the page) and the base map's tiles are drawn in the
    background worker, while the page loads the data and fits k-means.
    """
    base_map_job()
    model.kernels_compiler()


def default_clusters_page() -> Future[bool]:
    """Build the Clusters page's views for the default settings in the background worker.

    A visitor who opens the app on the default settings (a demo's first page) then finds
    the data, the fits, the map, the legend, the box plot and the profile cached, and the
    sweep's scores under way; one who arrives while they are built waits for the same
    computation (Streamlit's caches compute a value once). The calls are the Clusters
    page's own (pages/clusters.py), so their cache keys are the same.

    Returns
    -------
    Future of bool
        True when the views were built; False (logged) when the data cannot be loaded,
        which the page then says to its visitor.
    """
    return model.background_executor().submit(_build_default_clusters_page)


def _build_default_clusters_page() -> bool:
    try:
        source = housing_source(data.locate_data())
        dataset(source)
    except (data.DataUnavailableError, data.DataValidationError, OSError) as error:
        _LOGGER.warning("No warm-up of the Clusters page: %s", error)
        return False
    settings = ClusterSettings()
    key = keys.model_key(source, settings, settings.scaler)
    k, value_column = settings.n_clusters, settings.value_column
    model.sweep_fits(key)  # and the features and scaling it is fitted on
    model.scores_job(key)
    views.cluster_map(key, k)
    views.legend(key, k, value_column)
    views.inertia_figure(key, k)
    names = classification.cluster_names(key, k, value_column, settings.names)
    views.box_figure(key, k, value_column, tuple(names))
    views.profile(key, k, value_column)
    return True
