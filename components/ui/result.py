"""The Clusters and Choose k pages of a Dask result: the result's own clusters on all its places.

``python -m components.engine.distributed DATA --out FOLDER`` writes a result folder; with the
environment variable ``GEOCLUSTER_RESULT=FOLDER`` set when the app starts, the result is a data
source like the others (:mod:`components.ui.source`: the sidebar's switch, the Data page), the
active one until the session chooses another. With it active, these two pages show the
result itself: a map of its grid cells per k and its per-k metrics. The other pages work on a
random sample of the rows it was computed from. The result is read once per version of its
manifest (:mod:`components.ui.cache.distributed`).

Text from the manifest (the data set's name, feature names) reaches the page escaped.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import streamlit as st

from components.engine.data import shown_path
from components.engine.distributed_result import DistributedSweepResult
from components.engine.extent import MAP_HEIGHT_PX
from components.engine.features import FEATURE_CATALOGUE
from components.engine.scaling import SCALERS
from components.ui import cache, keys, source
from components.ui import insight as ui_insight
from components.ui.source import RESULT_COMMAND as COMMAND

# Re-exported: the app tests reach it through this module.
from components.ui.source import RESULT_ENV_VAR as RESULT_ENV_VAR
from components.ui.text import escape_markdown
from components.ui.widgets import labelled_radio

# Widget keys (also what the AppTest tests address).
RESULT_K_KEY = "result_k"
RESULT_VIEW_KEY = "result_view"
# What Clusters and Choose k show of a result: its own clusters, or the page's every view on
# a random sample of its rows (the pipeline every other source takes).
_VIEWS = {
    "result": "The result's own clusters ({n_rows:,} places)",
    "sample": "Every view, on a random sample of its places",
}


def _keep_widget_value(key: str, options: tuple[Any, ...]) -> None:
    """Carry a widget's value over to another page (its id includes the page), if valid."""
    if key in st.session_state:
        if st.session_state[key] in options:
            st.session_state[key] = st.session_state[key]
        else:
            del st.session_state[key]


def _feature_label(name: str) -> str:
    """A feature's label: the census catalogue's, else its name."""
    described = FEATURE_CATALOGUE.get(name)
    return described.label if described is not None else name


def result_sidebar(source: keys.DataSource, result: DistributedSweepResult) -> int:
    """Draw the k slider (the result's k's only) and the result's fixed settings; return k.

    Parameters
    ----------
    source : DataSource
        The result's source (its folder's name is shown).
    result : DistributedSweepResult
        The result.

    Returns
    -------
    int
        The chosen k.
    """
    _keep_widget_value(RESULT_K_KEY, result.k_values)
    if RESULT_K_KEY not in st.session_state:
        suggestion = result.suggestion()
        st.session_state[RESULT_K_KEY] = suggestion.knee or suggestion.best_silhouette
    st.sidebar.header("Clusters")
    k = int(
        st.sidebar.select_slider("Number of clusters k", options=result.k_values, key=RESULT_K_KEY)
    )
    features = ", ".join(escape_markdown(_feature_label(name)) for name in result.features)
    scaler = SCALERS.get(result.scaler, result.scaler)
    weight = (
        f" (location weight {result.location_weight:g})" if result.scaler == "geographic" else ""
    )
    st.sidebar.markdown(
        f"**Features:** {features}  \n"
        f"**Scaling:** {escape_markdown(scaler)}{weight}  \n"
        f"**Rows:** {result.n_rows:,} clustered, {result.n_rows_dropped:,} left out "
        "(a feature or a coordinate missing)  \n"
        f"**Map grid:** cells of {result.cell_degrees:g}°"
    )
    seconds = f", {result.total_seconds:,.0f} s" if math.isfinite(result.total_seconds) else ""
    st.sidebar.caption(
        f"Computed on a Dask cluster ({escape_markdown(result.scheduler)}, "
        f"{result.n_workers} workers{seconds}) by `{COMMAND}` from "
        f"{escape_markdown(shown_path(result.source))}, with {escape_markdown(result.engine)}. "
        "The features, scaler and k's are fixed here: to change them, run the command again "
        f"(`{COMMAND} DATA --out FOLDER --features ... --scaler ... --k-max ...`); a folder "
        "written again is read again."
    )
    st.sidebar.caption(f"Result: {escape_markdown(source.label)}")
    return k


def cluster_table(result: DistributedSweepResult, k: int) -> None:
    """Draw one row per cluster: colour, places, share and its mean of every feature.

    Parameters
    ----------
    result : DistributedSweepResult
        The result.
    k : int
        One of its k's.
    """
    config: dict[str, Any] = {
        "colour": ui_insight.swatch_column_config(),
        "cluster": st.column_config.NumberColumn("cluster", format="%d"),
        "size": st.column_config.NumberColumn("places", format="localized"),
        "share": st.column_config.NumberColumn("share", format="percent"),
    }
    for name in result.features:
        config[name] = st.column_config.NumberColumn(
            f"mean of {_feature_label(name)}", format="%.4g"
        )
    st.dataframe(
        ui_insight.with_swatches(result.profile(k)[["cluster", "size", "share", *result.features]]),
        hide_index=True,
        column_config=config,
        key="result_clusters_table",
    )


def _clusters_page(source: keys.DataSource, result: DistributedSweepResult) -> None:
    """The Clusters page of a result: the cells' map (what a dot is), then one row per cluster."""
    name = escape_markdown(shown_path(result.source))
    st.title("Clusters of the places in a Dask result")
    k = result_sidebar(source, result)
    st.caption(
        f"K-means grouped the {result.n_rows:,} places of {name} by the features on the left, "
        f"for k = {', '.join(map(str, result.k_values))}, on a Dask cluster. Move k to see the "
        "clusters split; colours stay with their cluster."
    )
    cell_map = cache.distributed.cell_map(source, k)
    st.pydeck_chart(
        cell_map.deck,
        height=MAP_HEIGHT_PX,
        key="result_map",
        alt=f"Map of the result's grid cells coloured by their majority cluster at k = {k}",
    )
    note = (
        f"Each dot is a grid cell of {result.cell_degrees:g}° in the colour of the cluster most "
        "of its places belong to; hover one for its share and number of places. Numbered dots: "
        "the clusters' centres."
    )
    if cell_map.n_cells_omitted:
        note += (
            f" The {cell_map.n_cells_omitted:,} cells with the fewest places "
            f"({cell_map.places_omitted:,} places) are left out to keep the map small."
        )
    st.caption(note)
    st.subheader(f"The {k} clusters")
    cluster_table(result, k)


def _choose_k_page(source: keys.DataSource, result: DistributedSweepResult) -> None:
    """The Choose k page of a result: the suggested k's and the metrics across k."""
    st.title("Choose k")
    k = result_sidebar(source, result)
    st.caption(
        f"K-means was fitted on a Dask cluster for k = {', '.join(map(str, result.k_values))} "
        f"on {result.n_rows:,} places; these views help pick k. The k slider on the left sets "
        "the k of the Clusters page too."
    )
    ui_insight.metrics_section(
        result.suggestion(),
        result.metrics(),
        cache.distributed.metrics_figure(source, k),
        k,
        silhouette_note=(
            f"The silhouette is the mean over {result.silhouette_samples.shape[0]} random "
            f"samples of {result.silhouette_sample_size:,} places; its bars are the samples' "
            "standard deviation."
        ),
        sampled=True,
        k_key=RESULT_K_KEY,
    )
    st.info(
        "The silhouette of each place, the stability check and the clustergram need every "
        "row's cluster, which a Dask result does not keep (it holds per-k summaries and the "
        "map's cells). Choose 'Every view, on a random sample of its places' above to see "
        "them on a sample of the result's rows.",
        icon=":material/info:",
    )


def show_opened_result(page: Literal["clusters", "choose_k"]) -> None:
    """Draw the page of the Dask result and stop, when it is the active source and opens.

    A choice above the page shows either the result's own clusters (this page of it) or
    every view of the page on a random sample of its rows: then, as otherwise, nothing stops
    and the page goes on with the active source (for a result that cannot be read,
    :func:`components.ui.source.active` says why and shows the housing data).

    Parameters
    ----------
    page : {"clusters", "choose_k"}
        The page of the result to draw.
    """
    chosen = source.chosen_source()
    if (
        chosen is None
        or chosen.kind != keys.SOURCE_DISTRIBUTED
        or cache.distributed.problem(chosen) is not None
    ):
        return
    result = cache.distributed.result(chosen)
    _keep_widget_value(RESULT_VIEW_KEY, tuple(_VIEWS))
    labels = {view: label.format(n_rows=result.n_rows) for view, label in _VIEWS.items()}
    shown = labelled_radio(st, "Show", labels, key=RESULT_VIEW_KEY, horizontal=True)
    if shown == "sample":
        return  # the page goes on with the active source: a sample of the result's rows
    source.sidebar_block(chosen)
    (_clusters_page if page == "clusters" else _choose_k_page)(chosen, result)
    st.stop()
