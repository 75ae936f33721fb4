"""Every Streamlit cache of the app, one module per topic, keyed by small hashable values.

This is the only module that uses ``st.cache_data`` / ``st.cache_resource``. The rule:

- frames (anything holding a DataFrame) go through ``st.cache_data``, which hands each
  caller its own copy;
- numpy-only results, figures and map decks go through ``st.cache_resource``: they are
  never changed after they are built, and not copying them is what keeps a rerun fast.

A user's upload is the exception: its bytes, rows and models are this session's, held in
the upload budget of :mod:`components.ui.cache.uploads` (released when the session ends,
evicted under memory pressure), not in a process-wide cache.

The k-sweep holds the labels and centroids of every k, so moving the k slider only
indexes the cached sweep; the per-k views (labels per row, map, box plot, elbow chart,
profile) are cached per (model, k) on top of it.
"""

from components.ui.cache import (
    alternatives,
    base_map,
    classification,
    data,
    distributed,
    explore,
    insight,
    model,
    saved_models,
    selection,
    storage,
    uploads,
    views,
    warm_up,
)

__all__ = [
    "alternatives",
    "base_map",
    "classification",
    "data",
    "distributed",
    "explore",
    "insight",
    "model",
    "saved_models",
    "selection",
    "storage",
    "uploads",
    "views",
    "warm_up",
]
