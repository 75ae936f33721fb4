"""The floor of a Clusters-page rerun: the same data check, widgets and URL sync, no output.

benchmarks/rerun.py times a k change on this page and on the real one; the difference
is what the model, the map, charts and tables cost. The k slider is drawn with the full
range (the real page bounds it by the fitted k's, which this page does not fit).
"""

from dataclasses import replace

import streamlit as st

from components.engine.model import K_RANGE
from components.ui import source
from components.ui import widgets as ui

st.set_page_config(page_title="geocluster (bare)", layout="wide")
opened = source.active()
if opened is None:
    st.stop()
data_source, dataset = opened
ui.start_settings(data_source, dataset)
settings, _, k_slot = ui.cluster_controls(data_source, dataset)
settings = replace(settings, n_clusters=ui.k_slider(k_slot, ui.K_KEY, K_RANGE[1]))
settings = ui.value_column_select(settings, dataset)
ui.finish_settings(settings, data_source)
