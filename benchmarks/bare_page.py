"""The floor of a Clusters-page rerun: the same data check, widgets and URL sync, no output.

benchmarks/rerun.py times a k change on this page and on the real one; the difference
is what the map, charts and tables cost.
"""

import streamlit as st

from components.ui import widgets as ui

st.set_page_config(page_title="geocluster (bare)", layout="wide")
source = ui.data_source()
if source is None:
    st.stop()
ui.start_settings()
settings, _ = ui.cluster_controls(source)
ui.data_source_caption(source)
settings = ui.value_column_select(settings)
ui.finish_settings(settings)
