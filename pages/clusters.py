"""Clusters: k-means clusters of the block groups on a map, with their prices and profiles."""

import streamlit as st

from components.ui import cache
from components.ui import result as ui_result
from components.ui import widgets as ui
from components.ui.router import ensure_routed

ensure_routed()

# A result of `python -m components.engine.distributed` named by GEOCLUSTER_RESULT.
opened = ui_result.opened_result()
if opened is not None:
    ui_result.clusters_page(*opened)
    st.stop()

# The fits alone paint the map, legend and box plot; the sweep's scores (silhouette,
# CH, DB and the suggested k) are computed in the background, the elbow chart waits.
view = ui.clustered_model("Clusters of California block groups")
settings, key = view.settings, view.key
k = settings.n_clusters
sweep = cache.model.sweep_if_ready(key)
st.caption(
    f"K-means groups the {cache.data.row_count(view.source):,} census block groups by the features "
    "on the left. Move k to see the clusters split; colours stay with their cluster."
)

show_test = settings.split and st.toggle(
    "Show test rows on the map", value=True, key=ui.SHOW_TEST_KEY
)
map_column, legend_column = st.columns([3, 1.2])
with map_column:
    # Served, the rows are fetched once by URL (written here if missing) and a k change
    # sends only a new colour rule; otherwise the deck carries them.
    served = cache.views.map_urls(key) is not None
    cluster_map = cache.views.cluster_map(key, k, bool(show_test), served)
    ui.cluster_map_chart(
        cluster_map,
        chart_key="cluster_map",
        alt=f"Map of the block groups coloured by {k} k-means clusters",
    )
with legend_column:
    st.subheader(f"k = {k}")
    ui.legend(cache.views.legend(key, k), has_test=bool(show_test))

elbow_column, box_column = st.columns(2)
with elbow_column:
    if sweep is None:
        ui.elbow_chart_pending(
            cache.views.inertia_figure(key, k),
            chart_key=ui.ELBOW_KEY,
            on_select=ui.ELBOW_CALLBACK,
            job=cache.model.scores_job(key),
        )
    else:
        ui.elbow_chart(
            cache.views.elbow_figure(key, k),
            chart_key=ui.ELBOW_KEY,
            on_select=ui.ELBOW_CALLBACK,
            suggestion=sweep.suggestion.message,
        )
with box_column:
    st.subheader("Per cluster")
    settings = ui.box_feature_select(settings)
    st.plotly_chart(cache.views.box_figure(key, k, settings.box_feature), key="box_plot")

st.subheader("Cluster profiles")
ui.profile_table(cache.views.profile(key, k), key.features)
download_rows, download_profile = st.columns(2)
download_rows.download_button(
    "Download the rows with their cluster (CSV)",
    data=lambda: cache.views.labelled_rows_csv(key, k),
    file_name=f"geocluster_rows_k{k}.csv",
    mime="text/csv",
    on_click="ignore",
    key="download_rows",
)
download_profile.download_button(
    "Download the cluster profiles (CSV)",
    data=cache.views.profile_csv(key, k),
    file_name=f"geocluster_profiles_k{k}.csv",
    mime="text/csv",
    on_click="ignore",
    key="download_profiles",
)
ui.finish_settings(settings)
if sweep is not None:
    # Every k's profile once, after the page is drawn, so a later k change reads caches.
    cache.views.warm_profiles(key)
