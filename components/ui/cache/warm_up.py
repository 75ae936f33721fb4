"""The server's warm-up: what the first visitor would otherwise wait for, started at once."""

from __future__ import annotations

from components.ui.cache.base_map import base_map_job
from components.ui.cache.model import kernels_compiler


def start() -> None:
    """Start the warm-up in the background worker, once per server process.

    Streamlit has no hook for a server's start; its first script run (the first page
    anyone opens, or the health check's session) is the earliest point. Nothing here
    blocks that run: the kernels compile in a child process (compiling holds the GIL,
    which in a thread would stall the page) and the base map's tiles are drawn in the
    background worker, while the page loads the data and fits k-means.
    """
    base_map_job()
    kernels_compiler()
