"""What a server started by ``serve.py`` does once, before it takes requests.

``streamlit run app.py`` imports the pages' modules and starts the warm-up
(:mod:`components.ui.cache.warm_up`) on its first visitor's request, who waits for them.
``serve.py`` runs :func:`prepare` in its lifespan instead, and also builds the default
Clusters page in the background before anyone asks for it.
"""

from __future__ import annotations

import logging
import time

from components.ui.upload_budget import limit_malloc_arenas

_LOGGER = logging.getLogger(__name__)
# glibc's malloc arenas: one per thread that allocates, up to 8 per core; each keeps what a
# big job freed in it (BENCHMARKS.md, "Session 6": a 1M-row read and fit kept about 110 MB
# more with the default than with one arena).
MALLOC_ARENAS = 1


def limit_memory_arenas() -> bool:
    """Cap the process's malloc arenas at :data:`MALLOC_ARENAS` (call before threads start).

    Returns
    -------
    bool
        Whether the C library took the cap (False off glibc).
    """
    return limit_malloc_arenas(MALLOC_ARENAS)


def prepare() -> float:
    """Import the pages' modules and start the warm-up; the seconds it took.

    The warm-up (:mod:`components.ui.cache.warm_up`) goes on in the background once this
    returns: the kernels' compile, the base map, and the default Clusters page's views.

    Returns
    -------
    float
        Seconds spent importing (what the server waits for before taking requests).
    """
    started = time.perf_counter()
    # The pages' own imports, so that the first visitor's script does not wait for them.
    from components.ui import cache, result, router, widgets  # noqa: F401

    cache.warm_up.start()
    cache.warm_up.default_clusters_page()
    seconds = time.perf_counter() - started
    _LOGGER.info("Warm start: the pages' modules imported in %.1f s.", seconds)
    return seconds
