"""Explore: the data before clustering (values by location, distributions, gaps, caps)."""

import streamlit as st

from components.engine.dataset import LOCATION
from components.engine.extent import MAP_HEIGHT_PX
from components.ui import cache, source
from components.ui.router import ensure_routed
from components.ui.tables import with_labels
from components.ui.text import escape_markdown

ensure_routed()

st.title("The data before clustering")
data_source, data = source.active_or_stop()
overview = cache.data.data_overview(data_source)
if data.is_census:
    st.caption(
        f"{overview.n_rows:,} census block groups of California (1990). Each point is one block "
        "group; prices are the census's median house values."
    )
else:
    st.caption(f"{overview.n_rows:,} places of {escape_markdown(data.name)}.")
for note in overview.notes:
    st.info(escape_markdown(note), icon=":material/info:")

numeric_columns = list(data.numeric_columns)
values = [name for name in numeric_columns if name not in LOCATION] or numeric_columns
for key, options in (("explore_map_column", values), ("explore_histogram_column", numeric_columns)):
    if st.session_state.get(key) not in options:
        st.session_state[key] = data.value_column if data.value_column in options else options[0]
map_column = st.selectbox(
    "Colour the map by", options=values, format_func=data.label, key="explore_map_column"
)
value_map = cache.explore.value_map(data_source, map_column)
st.pydeck_chart(
    value_map.deck,
    height=MAP_HEIGHT_PX,
    key="explore_map",
    alt=f"Map of the {data.place_word} coloured by {data.label(map_column)}",
)
st.caption(escape_markdown(value_map.caption))

histogram_column, tables_column = st.columns([3, 2])
with histogram_column:
    st.subheader("Distribution")
    column = st.selectbox(
        "Column", options=numeric_columns, format_func=data.label, key="explore_histogram_column"
    )
    described = data.catalogue.get(column)
    if described is not None:
        st.caption(f"{described.description} Unit: {described.unit}.")
    st.plotly_chart(cache.explore.histogram(data_source, column), key="explore_histogram")
with tables_column:
    if not overview.capped.empty:
        st.subheader("Capped values")
        st.caption("The census top-codes these columns: a value at the cap means 'at least'.")
        st.dataframe(
            with_labels(overview.capped, data),
            hide_index=True,
            column_config={
                "cap": st.column_config.NumberColumn("cap", format="localized"),
                "share": st.column_config.NumberColumn("share", format="percent"),
            },
            key="explore_capped",
        )
    st.subheader("Missing values")
    st.dataframe(
        with_labels(overview.missing, data),
        hide_index=True,
        column_config={"share": st.column_config.NumberColumn("share", format="percent")},
        key="explore_missing",
    )
