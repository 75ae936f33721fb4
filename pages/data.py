"""Data: choose what every page clusters: the California housing demo, a file or a Dask result."""

import streamlit as st

from components.ui import cache, keys, models, source
from components.ui.router import ensure_routed
from components.ui.text import escape_markdown
from components.ui.whereabouts import show_whereabouts

ensure_routed()

st.title("Data")
st.caption(
    "Every page clusters the data chosen here: the California housing demo (20,640 census "
    "block groups, 1990), or your own file with one row per place (a latitude and a "
    "longitude column, and any numeric columns to cluster on). Your file stays in this "
    "browser session only: it is not saved on the server's disk and is forgotten when the "
    f"session ends (or sooner, when the server runs short of memory). Limits: {source.LIMITS}."
)
opened = source.active()

st.subheader("Your own file")
held = source.upload_block()
source.format_help()
if held is not None:
    content = cache.data.upload_bytes(held.source)
    if content is not None:
        source.coordinate_select(held, cache.data.upload_columns(held.digest, content))

st.subheader("The built-in demo")
st.button(
    "Use the California housing data",
    key=source.HOUSING_KEY,
    on_click=source.use,
    args=(None,),
    icon=":material/home_work:",
    disabled=opened is not None and opened[0].kind == keys.SOURCE_HOUSING,
)

result = source.readable_result()
if result is not None:
    st.subheader("The Dask result")
    st.caption(
        f"The k-sweep of {escape_markdown(result.label)}, computed on a Dask cluster: the "
        "Clusters and Choose k pages show its clusters of all its places, the other pages a "
        "random sample of them."
    )
    st.button(
        "Use the Dask result",
        key=source.RESULT_KEY,
        on_click=source.use,
        args=(result,),
        icon=":material/hub:",
        disabled=opened is not None and opened[0].kind == keys.SOURCE_DISTRIBUTED,
    )

if opened is not None:
    data_source, data = opened
    st.subheader(f"Now clustering: {escape_markdown(data.name)}")
    source.file_summary(data)
    show_whereabouts(
        cache.data.whereabouts(data_source),
        on_swap=source.swap_coordinates if data_source.is_upload else None,
        key="data_whereabouts",
    )
    source.page_link(st.container(), "pages/clusters.py", "See the clusters", ":material/map:")
    models.apply_block(data_source, data)
