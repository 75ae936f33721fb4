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

from components.ui.cache import alternatives as alternatives
from components.ui.cache import base_map as base_map
from components.ui.cache import classification as classification
from components.ui.cache import data as data
from components.ui.cache import distributed as distributed
from components.ui.cache import explore as explore
from components.ui.cache import insight as insight
from components.ui.cache import model as model
from components.ui.cache import saved_models as saved_models
from components.ui.cache import selection as selection
from components.ui.cache import storage as storage
from components.ui.cache import uploads as uploads
from components.ui.cache import views as views
from components.ui.cache import warm_up as warm_up
