"""Explore: the data before clustering (prices by location, distributions, gaps, caps)."""

import streamlit as st

from components.engine.features import FEATURE_CATALOGUE
from components.ui import cache
from components.ui import widgets as ui
from components.ui.router import ensure_routed

ensure_routed()

st.title("The data before clustering")
source = ui.data_source()
if source is None:
    st.stop()
ui.data_source_caption(source)
overview = cache.data.data_overview(source)
st.caption(
    f"{overview.n_rows:,} census block groups of California (1990). "
    "Each point is one block group; prices are the census's median house values."
)
for note in overview.notes:
    st.info(note, icon=":material/info:")

numeric_columns = [name for name in FEATURE_CATALOGUE if name not in ("latitude", "longitude")]
map_column = st.selectbox(
    "Colour the map by",
    options=numeric_columns,
    format_func=ui.feature_label,
    key="explore_map_column",
)
value_map = cache.explore.value_map(source, map_column)
st.pydeck_chart(
    value_map.deck,
    height=560,
    key="explore_map",
    alt=f"Map of the block groups coloured by {ui.feature_label(map_column)}",
)
st.caption(value_map.caption)

histogram_column, tables_column = st.columns([3, 2])
with histogram_column:
    st.subheader("Distribution")
    column = st.selectbox(
        "Column",
        options=list(FEATURE_CATALOGUE),
        format_func=ui.feature_label,
        key="explore_histogram_column",
    )
    described = FEATURE_CATALOGUE[column]
    st.caption(f"{described.description} Unit: {described.unit}.")
    st.plotly_chart(cache.explore.histogram(source, column), key="explore_histogram")
with tables_column:
    st.subheader("Capped values")
    st.caption("The census top-codes these columns: a value at the cap means 'at least'.")
    st.dataframe(
        ui.with_feature_labels(overview.capped),
        hide_index=True,
        column_config={
            "cap": st.column_config.NumberColumn("cap", format="localized"),
            "share": st.column_config.NumberColumn("share", format="percent"),
        },
        key="explore_capped",
    )
    st.subheader("Missing values")
    st.dataframe(
        ui.with_feature_labels(overview.missing),
        hide_index=True,
        column_config={"share": st.column_config.NumberColumn("share", format="percent")},
        key="explore_missing",
    )
