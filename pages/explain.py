"""Explain clusters: each cluster in words, how much of a value they explain, train vs test."""

import streamlit as st

from components.ui import cache
from components.ui import insight as ui_insight
from components.ui import widgets as ui
from components.ui.router import ensure_routed
from components.ui.text import escape_markdown

ensure_routed()

view = ui.with_scores(ui.clustered_model("Explain the clusters"))
settings, key, data = view.settings, view.key, view.dataset
k = settings.n_clusters
places = data.place_word
features_text = ", ".join(escape_markdown(data.label(name)).lower() for name in settings.features)
st.caption(
    f"The {k} k-means clusters of the Clusters page (features: {features_text}), described "
    "against all the data. The k slider and the settings on the left apply to every page."
)
with st.sidebar:
    settings = ui.value_column_select(settings, data)
value_column = settings.value_column
value_label = escape_markdown(data.label(value_column))

# ------------------------------------------------------------------ each cluster
st.header(f"The {k} clusters in words")
st.caption(
    "Position: the direction and distance of the cluster's mean position from the median place "
    f"of the data, and the spread (standard deviation) of its members. {value_label} is the "
    f"median of the cluster's {places}, compared with the same median over all. "
    "'Stands out' lists features whose cluster mean lies at least half a standard deviation "
    "from the overall mean."
)
descriptions = cache.insight.descriptions(key, k, value_column)
names = cache.classification.cluster_names(key, k, value_column, settings.names)
ui_insight.cluster_cards(descriptions, data, value_column, names)
with st.expander("All the numbers as a table"):
    st.dataframe(
        cache.insight.descriptions_frame(key, k, value_column),
        hide_index=True,
        column_config={
            "share": st.column_config.NumberColumn("share", format="percent"),
            "distance_km": st.column_config.NumberColumn("distance (km)", format="%.0f"),
            "spread_north_south_km": st.column_config.NumberColumn(
                "spread N-S (km)", format="%.0f"
            ),
            "spread_east_west_km": st.column_config.NumberColumn("spread E-W (km)", format="%.0f"),
            "value_median": st.column_config.NumberColumn(
                f"median {data.label(value_column)}", format="%.4g"
            ),
            "value_ratio": st.column_config.NumberColumn("vs all", format="%.2f"),
            "income_median": st.column_config.NumberColumn("median income", format="%.2f"),
            "income_ratio": st.column_config.NumberColumn("income vs all", format="%.2f"),
            "top_category_share": st.column_config.NumberColumn("its share", format="percent"),
            "summary": st.column_config.TextColumn("summary", width="large"),
        },
        key="descriptions_table",
    )

# ------------------------------------------------------------- value separation
st.header(f"Do the clusters separate {value_label.lower()}?")
separation = cache.insight.separation(key, k, value_column)
eta_column, kruskal_column, rows_column = st.columns(3)
eta_column.metric(
    "Share of the variation explained (eta²)",
    f"{separation.eta_squared:.2f}",
    help=f"Between-cluster sum of squares of {value_label.lower()} divided by its total sum of "
    "squares: 0 = the clusters say nothing about it, 1 = it is constant inside each.",
)
kruskal_column.metric(
    "Kruskal-Wallis H",
    f"{separation.kruskal_h:,.0f}",
    help="Rank-based test that the clusters' values come from one distribution; robust to "
    "caps and skew.",
)
rows_column.metric(f"{places.capitalize()} compared", f"{separation.n_rows:,}")
st.info(escape_markdown(separation.sentence), icon=":material/insights:")
if value_column in settings.features:
    st.caption(
        f"{value_label} is one of the clustering features, so the clusters were built partly to "
        "separate it; remove it from the features to see how much of it the other features "
        "explain on their own."
    )
ui_insight.plain_chart(
    cache.views.box_figure(key, k, value_column, tuple(names)), "explain_value_boxes"
)
if settings.split:
    st.caption("Each cluster's solid box: its training rows; pale box: its test rows.")

# ------------------------------------------------------------------ train / test
if data.has_split:
    st.header("Do the clusters' values hold on unseen rows?")
    check = cache.insight.value_check(key, k, value_column)
    if check is None:
        ui_insight.split_offer()
    else:
        st.caption(
            "k-means was fitted on the training rows (two thirds, the tutorial's "
            "train_test_split with test_size 0.33, random_state 0); each test row was assigned "
            "to the nearest centre. A cluster's value holds when its test median is within "
            f"{check.tolerance:.0%} of its training median."
        )
        (st.success if check.all_hold else st.warning)(escape_markdown(check.verdict))
        ui_insight.plain_chart(
            cache.insight.train_test_figure(key, k, value_column), "train_test_chart"
        )
        with st.expander("Per cluster: medians, spreads and a Kolmogorov-Smirnov test"):
            st.dataframe(
                ui_insight.with_swatches(check.table()),
                hide_index=True,
                column_config={
                    "colour": ui_insight.swatch_column_config(),
                    "n_train": st.column_config.NumberColumn("train rows", format="localized"),
                    "n_test": st.column_config.NumberColumn("test rows", format="localized"),
                    "median_train": st.column_config.NumberColumn(
                        "train median", format="localized"
                    ),
                    "median_test": st.column_config.NumberColumn("test median", format="localized"),
                    "iqr_train": st.column_config.NumberColumn("train IQR", format="localized"),
                    "iqr_test": st.column_config.NumberColumn("test IQR", format="localized"),
                    "median_change": st.column_config.NumberColumn("change", format="percent"),
                    "ks_statistic": st.column_config.NumberColumn("KS statistic", format="%.3f"),
                    "ks_p_value": st.column_config.NumberColumn("KS p-value", format="%.2g"),
                    "holds": st.column_config.CheckboxColumn("holds"),
                },
                key="train_test_table",
            )
            st.caption(
                "The KS test is shown, not used for the verdict: with thousands of rows it flags "
                "differences too small to matter."
            )
ui.finish_settings(settings, view.source)
