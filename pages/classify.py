"""Classify: prepared variables, profiles that read like a classification, named clusters."""

import streamlit as st

from components.ui import cache, classification
from components.ui import widgets as ui
from components.ui.router import ensure_routed
from components.ui.tables import with_labels

ensure_routed()

view = ui.clustered_model("Classify")
settings, key, data = view.settings, view.key, view.dataset
k = settings.n_clusters
st.caption(
    f"From {k} clusters to a classification: how the variables enter, what sets each cluster "
    "apart, and a name for each. The settings on the left apply to every page."
)

st.header("Prepared variables")
classification.prepared_variables(key, k)

st.header("Profiles")
with st.sidebar:
    settings = ui.value_column_select(settings, data)
names = cache.classification.cluster_names(key, k, settings.value_column, settings.names)
if cache.classification.profile_columns(key, settings.value_column):
    fine = key.method == "levels" and st.toggle(
        "Show the fine clusters", key="fine_profiles", help="The fine level, named like 2b."
    )
    st.plotly_chart(
        cache.classification.fine_index_figure(key, k, settings.value_column)
        if fine
        else cache.classification.index_figure(key, k, settings.value_column, tuple(names)),
        key="index_heatmap",
    )
    scored = cache.classification.scores(key, k, settings.value_column)
    st.caption(" ".join(scored.explanations.values()))
    st.subheader("How strongly each variable separates the clusters")
    st.dataframe(
        with_labels(cache.classification.separation(key, k, settings.value_column), data),
        hide_index=True,
        key="separation_table",
    )
else:
    st.info(f"These {data.place_word} have no column besides their location to profile.")

st.header("Names")
settings = classification.names_editor(
    settings, cache.classification.drafted_names(key, k, settings.value_column), names
)

st.header("Contiguous regions")
classification.regions_section(key, k, data.place_word)

if key.method == "levels":
    st.header("Two levels")
    classification.levels_section(key, k)
ui.finish_settings(settings, view.source)
