"""geocluster: k-means clusters of California housing block groups on a map.

Run with ``streamlit run app.py``. This file only sets the page up and routes; each
page lives in ``pages/`` (listed in :func:`components.ui.router.pages`) and the work is
done in ``components/``.
"""

from pathlib import Path

import streamlit as st

from components.ui import cache, router

# A local image: a Material icon as page_icon is fetched from fonts.gstatic.com, which
# fails offline (live demos without a network).
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

st.set_page_config(page_title="geocluster", page_icon=str(FAVICON), layout="wide")
cache.warm_up.start()  # once per server: kernels and base map tiles in the background
with cache.storage.page_run():  # a page run sees one state of the session's upload
    st.navigation(router.pages()).run()
