"""The server's warm-up: what the first visitor would otherwise wait for, started at once."""

from __future__ import annotations

from concurrent.futures import Future

import streamlit as st

from components.engine.sweep.metrics import warm_up as warm_up_kernels
from components.ui.cache.base_map import base_map_job
from components.ui.cache.model import background_executor


@st.cache_resource(show_spinner=False)
def kernels_job() -> Future[float]:
    """Compile (or load from numba's disk cache) the sweep's kernels in the background."""
    return background_executor().submit(warm_up_kernels)


def start() -> None:
    """Start the warm-up in the background worker, once per server process.

    Streamlit has no hook for a server's start; its first script run (the first page
    anyone opens, or the health check's session) is the earliest point. Nothing here
    blocks that run: the kernels compile and the base map's tiles are drawn in the
    background worker while the page loads the data and fits k-means.
    """
    base_map_job()
    kernels_job()
