"""Clusters: k-means clusters of the active data on a map, with a value and profiles per cluster."""

import streamlit as st

from components.ui import cache, models, tables
from components.ui import report as ui_report
from components.ui import result as ui_result
from components.ui import widgets as ui
from components.ui.router import ensure_routed
from components.ui.selection import selection_section
from components.ui.text import escape_markdown

ensure_routed()

# A result of `python -m components.engine.distributed` named by GEOCLUSTER_RESULT.
ui_result.show_opened_result("clusters")

# The fits alone paint the map, legend and box plot; the sweep's scores (silhouette,
# CH, DB and the suggested k) are computed in the background, the elbow chart waits.
view = ui.clustered_model("Clusters")
settings, key, data = view.settings, view.key, view.dataset
k = settings.n_clusters
sweep = cache.model.sweep_if_ready(key)
n_rows = view.matrix.values.shape[0]
places = f"{n_rows:,} {data.place_word} of {escape_markdown(data.name)}"
st.caption(
    {
        "kmeans": f"K-means groups the {places} by the features on the left. Move k to see the "
        "clusters split; colours stay with their cluster.",
        "regions": f"Contiguous regions of the {places}: clusters of neighbours alike in the "
        "features on the left (Ward's method on a nearest-neighbour graph).",
        "levels": f"Groups of {key.fine_k} fine k-means clusters of the {places}, joined by "
        "Ward's method; each fine cluster lies whole in one group (the Classify page shows the "
        "tree).",
        "model": f"The saved model labels the {places} with its nearest centre; the downloads "
        "give each one's typicality.",
    }[key.method]
)

map_column, legend_column = st.columns([3, 1.2])
with map_column:
    ui.cluster_map_chart(
        cache.views.cluster_map(key, k),
        chart_key="cluster_map",
        alt=f"Map of the {data.place_word} coloured by {k} k-means clusters",
        n_left_out=data.n_rows - n_rows,
    )
with legend_column:
    st.subheader(f"k = {k}")
    settings = ui.value_column_select(settings, data)
    names = cache.classification.cluster_names(key, k, settings.value_column, settings.names)
    tables.legend(
        cache.views.legend(key, k, settings.value_column),
        data,
        settings.value_column,
        has_test=settings.split,
        names=names,
    )

elbow_column, box_column = st.columns(2)
with elbow_column:
    if sweep is None:
        ui.elbow_chart_pending(cache.views.inertia_figure(key, k), job=cache.model.scores_job(key))
    else:
        ui.elbow_chart(cache.views.elbow_figure(key, k), suggestion=sweep.suggestion.message)
with box_column:
    st.subheader(f"{escape_markdown(data.label(settings.value_column))} per cluster")
    st.plotly_chart(
        cache.views.box_figure(key, k, settings.value_column, tuple(names)), key="box_plot"
    )

st.subheader("Cluster profiles")
tables.profile_table(
    cache.views.profile(key, k, settings.value_column),
    data,
    key.features,
    settings.value_column,
)
ui.downloads(
    view,
    cache.model.row_labels(key, k),
    names,
    cache.classification.method_columns(key, k),
)
models.model_download(view, k, names)
ui_report.download_report(view, names, sweep)
selection_section(view, k, names)
ui.finish_settings(settings, view.source)
if sweep is not None:
    # Every k's profile once, after the page is drawn, so a later k change reads caches.
    cache.views.warm_profiles(key, settings.value_column)
