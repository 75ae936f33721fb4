"""Choose k: the metrics across k, the silhouette of the chosen k, stability and clustergram."""

import streamlit as st

from components.figures import insight as figures_insight
from components.ui import cache
from components.ui import insight as ui_insight
from components.ui import result as ui_result
from components.ui import widgets as ui
from components.ui.router import ensure_routed

ensure_routed()

# A result of `python -m components.engine.distributed` named by GEOCLUSTER_RESULT.
ui_result.show_opened_result("choose_k")

view = ui.with_scores(ui.clustered_model("Choose k"))
settings, key, scaled, sweep = view.settings, view.key, view.scaled, view.sweep
k = settings.n_clusters
places = view.dataset.place_word  # "block groups" or "places"
place = places[:-1]
fitted_rows = "the training rows" if settings.split else "the clustered rows"
st.caption(
    f"K-means was fitted for every k from {sweep.k_values[0]} to {sweep.k_values[-1]} on "
    f"{fitted_rows} ({scaled.train.shape[0]:,}) with the settings on the left; these views help "
    "pick k. The k slider on the left sets the k of every page."
)

# ------------------------------------------------------------------ metrics across k
ui_insight.metrics_section(
    sweep.suggestion,
    sweep.metrics(),
    cache.insight.metrics_figure(key, k),
    k,
    silhouette_note=(
        f"The silhouette is computed on a sample of {sweep.silhouette_sample_size:,} rows."
        if sweep.silhouette_method == "sampled"
        else "The silhouette is exact (every pair of rows)."
    ),
    sampled=sweep.silhouette_method == "sampled",
)

# ---------------------------------------------------------------- silhouette of k
st.header(f"Silhouette of each {place} at k = {k}")
st.caption(
    f"A {place}'s silhouette compares its mean distance to the other members of its cluster "
    "(a) with its mean distance to the nearest other cluster (b): (b - a) / max(a, b). Near 1 it "
    "sits well inside its cluster, near 0 on the border between two, and below 0 it is on "
    "average closer to another cluster. Higher is better."
)
points = cache.insight.silhouette_points(key, k)
mean_column, *below_columns = st.columns(3)
mean_column.metric(f"Mean silhouette at k = {k}", f"{points.values.mean():.3f}")
border = figures_insight.BORDER_SILHOUETTE
bounds = {"0": 0.0, f"{border:g} (on a border)": border}
for column, (what, bound) in zip(below_columns, bounds.items(), strict=True):
    n_below = int((points.values < bound).sum())
    column.metric(
        f"{places.capitalize()} below {what}",
        f"{n_below:,}",
        f"{n_below / points.values.size:.1%}",
        delta_color="off",
        delta_arrow="off",
    )
plot_column, map_column = st.columns([2, 3])
with plot_column:
    ui_insight.plain_chart(cache.insight.silhouette_figure(key, k), "silhouette_plot")
    st.caption(
        "Each band is a cluster, its rows sorted by silhouette and its height proportional to "
        "its size; dotted: the cluster's mean; dashed: the overall mean."
    )
with map_column:
    border_only = st.toggle(
        f"Only the {places} on a border (silhouette below {border:g})",
        key=ui_insight.BORDER_ONLY_KEY,
    )
    st.pydeck_chart(
        cache.insight.silhouette_map(key, k, bool(border_only)),
        height=480,
        key="silhouette_map",
        alt=f"Map of the {places} coloured by their silhouette at k = {k}",
    )
    ui_insight.silhouette_legend()
    notes = ["Numbered dots: the clusters' centres. Hover a point for its cluster and silhouette."]
    if settings.split:
        notes.append("Only the training rows are shown: the silhouette is of the fitted rows.")
    if points.sampled:
        notes.append(
            f"The silhouettes are those of a random sample of {points.values.size:,} of the "
            f"{points.n_fit_rows:,} fitted rows, among themselves."
        )
    st.caption(" ".join(notes))
ui_insight.silhouette_table(cache.insight.silhouette_table(key, k))

# --------------------------------------------------------------------- stability
st.header("Is k reproducible?")
ui_insight.stability_section(key, settings)

# ------------------------------------------------------------------- clustergram
st.header("Who moves as k grows")
st.caption(
    f"Each column is a k, each bar a cluster in its map colour, each band the {places} that "
    "go from a cluster at one k to a cluster at the next. A cluster that splits fans out; the "
    "one new cluster of each k takes the next colour."
)
k_low, k_high = ui_insight.clustergram_range(sweep.k_values)
ui_insight.plain_chart(cache.insight.clustergram_figure(key, k_low, k_high), "clustergram")
ui.finish_settings(settings, view.source)
