"""The Classify page's sections: prepared variables, the names editor and the two levels."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from components.figures.classification import METHODS as CORRELATION_METHODS
from components.ui import cache, keys
from components.ui.cache.model import kmeans_key
from components.ui.text import escape_markdown, message_markdown
from components.ui.url_state import ClusterSettings, clean_name
from components.ui.widgets import cluster_map_chart

CORRELATION_KEY = "correlation_method"
NAME_KEY_PREFIX = "cluster_name_"


def prepared_variables(key: keys.ModelKey, k: int) -> None:
    """Skewness before and after the transforms, correlations, and each variable left out."""
    table = cache.classification.skewness(key)
    if len(table):
        st.subheader("Skewness before and after the transforms")
        st.caption(
            "k-means measures plain distances, so a long tail pulls clusters towards its few "
            "extreme places. Choose a transform per variable under 'Prepare the variables' "
            "on the left; near 0 is symmetric."
        )
        st.dataframe(
            table,
            hide_index=True,
            key="skewness_table",
            column_config={
                "feature": "Variable",
                "skewness_before": st.column_config.NumberColumn("Skewness before", format="%.2f"),
                "skewness_after": st.column_config.NumberColumn("Skewness after", format="%.2f"),
            },
        )
    if len(key.features) < 2:
        return
    st.subheader("Correlated variables")
    method = st.radio(
        "Correlation",
        tuple(CORRELATION_METHODS),
        format_func=CORRELATION_METHODS.__getitem__,
        key=CORRELATION_KEY,
        horizontal=True,
    )
    st.plotly_chart(cache.classification.correlation_figure(key, method), key="correlation_chart")
    pairs = cache.classification.variable_correlations(key).pairs
    if pairs:
        lines = [
            f"- {escape_markdown(pair.first)} and {escape_markdown(pair.second)} "
            f"(Pearson {pair.pearson:.2f}, Spearman {pair.spearman:.2f}): "
            + (
                f"drop {escape_markdown(pair.drop)}, which is more correlated with the others."
                if pair.drop
                else "both are location, which keeps its own scaler."
            )
            for pair in pairs
        ]
        st.markdown(
            "Pairs with |r| of 0.8 or more count twice in the distances:\n" + "\n".join(lines)
        )
    else:
        st.caption("No pair of the chosen variables has |r| of 0.8 or more.")
    st.subheader(f"Each variable left out, at k = {k}")
    st.caption(
        "k-means refitted without the variable (location leaves as one): the adjusted "
        "Rand index against the clusters shown (1 = the same clusters) and the change in "
        "silhouette. The variables at the top drive the result."
    )
    try:
        st.dataframe(
            cache.classification.left_out(key, k),
            hide_index=True,
            key="left_out",
            column_config={
                "variable": "Variable left out",
                "adjusted_rand": st.column_config.NumberColumn("Adjusted Rand", format="%.3f"),
                "silhouette": st.column_config.NumberColumn("Silhouette", format="%.3f"),
                "silhouette_change": st.column_config.NumberColumn(
                    "Silhouette change", format="%+.3f"
                ),
            },
        )
    except ValueError as error:
        st.info(escape_markdown(str(error)))


def names_editor(
    settings: ClusterSettings, drafts: tuple[str, ...], names: list[str]
) -> ClusterSettings:
    """Text boxes for the clusters' names, drafted until edited; returns the settings with them."""
    st.caption(
        "Drafted from each cluster's location and strongest index scores; edit any. The "
        "names travel in the link and name the clusters in the legend and the downloads."
    )
    edited = []
    for column, (index, name) in zip(
        st.columns(min(len(names), 3)) * len(names), enumerate(names), strict=False
    ):
        widget = f"{NAME_KEY_PREFIX}{index}"
        if st.session_state.get(widget + "_was") != name:
            st.session_state.update({widget: name, widget + "_was": name})
        edited.append(clean_name(column.text_input(f"Cluster {index}", key=widget, max_chars=60)))
    return replace(settings, names=() if edited == list(drafts) else tuple(edited))


def levels_section(key: keys.ModelKey, k: int) -> None:
    """The tree of how the fine clusters join into the k groups, and their table."""
    st.caption(
        f"{key.fine_k} fine k-means clusters joined by Ward's method (weighted by their sizes) "
        f"into {k} groups; each fine cluster lies whole in one group, named like 2b in group 2."
    )
    st.plotly_chart(cache.classification.levels_figure(key, k), key="levels_tree")
    st.dataframe(cache.classification.levels_table(key, k), hide_index=True, key="levels_table")


def regions_section(key: keys.ModelKey, k: int, place_word: str) -> None:
    """The contiguous regions next to the k-means clusters at k, and what contiguity costs."""
    st.caption(
        f"Regions are clusters of neighbouring {place_word}: Ward's method may only join "
        f"{place_word} linked in a graph of each one's 8 nearest neighbours. k-means clusters "
        "are often several patches; a region is one."
    )
    clusters_key = kmeans_key(key)
    regions_key = replace(clusters_key, method="regions")
    try:
        table = cache.classification.regions_against_kmeans(key, k)
    except ValueError as error:
        st.error(f"**No regions on these settings.** {message_markdown(error)}")
        return
    keys_by_title = {"k-means": clusters_key, "contiguous regions": regions_key}
    for column, (title, method_key) in zip(st.columns(2), keys_by_title.items(), strict=True):
        with column:
            st.subheader(title)
            cluster_map_chart(
                cache.views.cluster_map(method_key, k),
                chart_key=f"{method_key.method}_map",
                alt=f"Map of the {place_word} coloured by {k} {title}",
            )
    st.dataframe(table, hide_index=True, key="regions_table")
    sampled = cache.model.regions(regions_key)[k]
    if sampled.sampled_rows < sampled.n_rows:
        st.caption(
            f"The regions were grown on a random {sampled.sampled_rows:,} of the "
            f"{sampled.n_rows:,} {place_word}; every other one joined the region of its "
            "nearest sampled neighbour."
        )
