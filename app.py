"""geocluster: k-means clusters of California housing block groups on a map.

Run with ``streamlit run app.py``. This file only sets the page up and routes; each
page lives in ``pages/`` (listed in :func:`components.router.pages`) and the work is
done in ``components/``.
"""

import streamlit as st

from components import router

st.set_page_config(page_title="geocluster", page_icon=":material/scatter_plot:", layout="wide")
st.navigation(router.pages()).run()
