"""What a server started by ``serve.py`` does once, before it takes requests.

``streamlit run app.py`` imports the pages' modules and starts the warm-up
(:mod:`components.ui.cache.warm_up`) on its first visitor's request, who waits for them.
``serve.py`` runs :func:`prepare` in its lifespan instead, and builds the default
Clusters page (its data, fits, map, legend, box plot and profile) before it takes requests.
"""

from __future__ import annotations

import logging
import time

_LOGGER = logging.getLogger(__name__)
# Longest the server waits for the default Clusters page before taking requests anyway.
DEFAULT_PAGE_WAIT_S = 60.0


def prepare() -> float:
    """Import the pages' modules, start the warm-up and build the default page; its seconds.

    The default Clusters page's data, fits and views are built here (at most
    :data:`DEFAULT_PAGE_WAIT_S`); the rest of the warm-up (:mod:`components.ui.cache.warm_up`:
    the kernels' compile, the base map, the sweep's scores) goes on in the background.

    Returns
    -------
    float
        Seconds spent (what the server waits for before taking requests).
    """
    started = time.perf_counter()
    # The pages' own imports, so that the first visitor's script does not wait for them.
    from components.ui import cache, result, router, widgets  # noqa: F401

    cache.warm_up.start()
    default_page = cache.warm_up.default_clusters_page()
    try:
        # The default page's data, fits and views before the first request (the sweep's
        # scores go on behind); a failure is the page's to report, not the server's.
        default_page.result(timeout=DEFAULT_PAGE_WAIT_S)
    except Exception:  # any error: the server starts, and the page says why
        _LOGGER.warning("The default page was not built before the server started.", exc_info=True)
    seconds = time.perf_counter() - started
    _LOGGER.info("Warm start: the pages and the default page ready in %.1f s.", seconds)
    return seconds
