"""Serve geocluster warm: ``streamlit run serve.py`` (what the README's command runs).

It serves app.py, the router, inside an ``st.App`` whose lifespan prepares the server
before it takes requests (:mod:`components.ui.warm_start`): one malloc arena, the pages'
imports (seconds of them; BENCHMARKS.md, "Measured defaults"), the default Clusters page's
data, fits and views, and, in the background, the sweep kernels' compile in a child process
and the base map's tiles. So the first visitor's page starts from a warm server.
``streamlit run app.py`` still works; its first visitor then waits for the imports.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from components.ui import warm_start
from components.ui.upload_budget import limit_malloc_arenas


@asynccontextmanager
async def _warm_start(_app: st.App) -> AsyncIterator[None]:
    # Before any thread of the server makes a malloc arena of its own.
    limit_malloc_arenas()
    await asyncio.to_thread(warm_start.prepare)
    yield


app = st.App("app.py", lifespan=_warm_start)
