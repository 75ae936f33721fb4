"""Caches of the served base map: its files (written once per server) and the network check."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path

import streamlit as st

from components.figures import outline
from components.ui import network, served_files
from components.ui.cache.model import background_executor

_LOGGER = logging.getLogger(__name__)

# Streamlit serves this folder (beside app.py) at app/static/ when
# server.enableStaticServing is on (.streamlit/config.toml).
STATIC_DIR = Path(__file__).resolve().parents[3] / "static"
# Its own folder: the map files' pruning (per folder) must never remove it.
BASE_MAP_DIR = "outline"
# How long the answer of the network check holds (a network may come back mid-demo).
NETWORK_CHECK_TTL_S = 300


def _write_base_map(static_dir: Path) -> str | None:
    """Write the styles and tiles under ``static_dir`` unless there; their folder's URL."""
    name = outline.base_map_name()
    prefix = f"{served_files.STATIC_URL_PREFIX}{BASE_MAP_DIR}/{name}/"
    try:
        served_files.ensure_folder(
            static_dir / BASE_MAP_DIR, name, lambda: outline.base_map_files(prefix)
        )
    except OSError as error:
        _LOGGER.warning("No base map in %s (%s); maps draw the outline.", static_dir, error)
        return None
    return prefix


@st.cache_resource(show_spinner=False)
def base_map_job() -> Future[str | None]:
    """Start writing the base map in the background worker, once per server.

    Called when the server's first page starts (see :mod:`components.ui.cache.warm_up`),
    so the tiles (seconds of drawing) are ready by the time the first map is built.
    """
    if not st.get_option("server.enableStaticServing"):
        done: Future[str | None] = Future()
        done.set_result(None)
        return done
    return background_executor().submit(_write_base_map, STATIC_DIR)


@st.cache_resource(show_spinner=False, ttl=NETWORK_CHECK_TTL_S)
def carto_reachable() -> bool:
    """Whether Carto's tile server answers (checked at most every five minutes)."""
    return network.host_reachable(network.CARTO_HOST, network.HTTPS_PORT)


def map_style_url() -> str | None:
    """URL of the style every map uses: the outline's tiles, over Carto's when online.

    The served base map's tiles are drawn once per server unless a server wrote them before:
    their folder's name follows their content, so a cached map's URL stays valid.

    Returns
    -------
    str or None
        Relative URL; None when the base map cannot be served: the maps then draw the
        outline themselves (a deck.gl layer) over Carto's own style.
    """
    prefix = base_map_job().result()
    if prefix is None:
        return None
    return prefix + (outline.STYLE_FILE if carto_reachable() else outline.OFFLINE_STYLE_FILE)
