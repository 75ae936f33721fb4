"""The app's pages, and the guard that keeps every page behind the router.

``app.py`` routes with ``st.navigation`` over :func:`pages`. While a folder named
``pages/`` exists, Streamlit also keeps its legacy multipage mode switched on in a
fresh server process until ``st.navigation`` has run once; a deep link such as
``/explore`` opened first after a (re)start would then run ``pages/explore.py``
directly: no page config, no router, an auto-generated sidebar.
:func:`ensure_routed`, called at the top of every page, detects that case and sends
the run back through ``app.py`` with the same URL.
"""

from __future__ import annotations

import streamlit as st

from components.ui import streamlit_internals


def pages() -> list[st.Page]:
    """Return the app's pages in menu order (the first is the default).

    Returns
    -------
    list of streamlit.Page
        One page per script in ``pages/``.
    """
    return [
        st.Page("pages/clusters.py", title="Clusters", icon=":material/map:", default=True),
        st.Page("pages/choose_k.py", title="Choose k", icon=":material/tune:"),
        st.Page("pages/explain.py", title="Explain clusters", icon=":material/description:"),
        st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:"),
        st.Page("pages/classify.py", title="Classify", icon=":material/category:"),
        st.Page(
            "pages/kmeans_fails.py", title="When k-means fails", icon=":material/scatter_plot:"
        ),
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
    ]


def ensure_routed() -> None:
    """Rerun through ``app.py`` when Streamlit ran this page without the router."""
    # No public API tells a page whether the router ran it.
    if not streamlit_internals.legacy_pages_mode():
        return
    # Calling st.navigation switches the legacy mode off for the process; the same page
    # list keeps the URL on the page the user asked for.
    st.navigation(pages(), position="hidden")
    st.rerun()
