"""geocluster: k-means clusters of California housing block groups on a map.

Run with ``streamlit run app.py``. This file only sets the page up and routes; each
page lives in ``pages/`` and the work is done in ``components/``.
"""

import streamlit as st

st.set_page_config(page_title="geocluster", page_icon=":material/scatter_plot:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/clusters.py", title="Clusters", icon=":material/map:", default=True),
        st.Page("pages/choose_k.py", title="Choose k", icon=":material/tune:"),
        st.Page("pages/explain.py", title="Explain clusters", icon=":material/description:"),
        st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:"),
        st.Page(
            "pages/kmeans_fails.py", title="When k-means fails", icon=":material/scatter_plot:"
        ),
        st.Page("pages/your_places.py", title="Your own places", icon=":material/upload_file:"),
    ]
)
navigation.run()
