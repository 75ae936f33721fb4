"""Your own places: k-means clusters of any uploaded CSV of places, on a map framed on them."""

import streamlit as st

from components.engine.upload import PlacesError
from components.ui import cache, keys, widgets
from components.ui import places as ui_places
from components.ui.router import ensure_routed
from components.ui.text import escape_markdown
from components.ui.upload_budget import BusyError

ensure_routed()


def show_page() -> None:
    """Draw the page; returns early (after saying why) when there is nothing to cluster."""
    st.title("Cluster your own places")
    st.caption(ui_places.INTRO)
    ui_places.keep_widget_state()
    shown = ui_places.upload_block()
    ui_places.format_help()
    if shown is None:
        st.info(
            "Upload a CSV of places, or press **Try an example** to see the page with 320 "
            "made-up places.",
            icon=":material/upload_file:",
        )
        return

    content = ui_places.file_content(shown)
    if content is None:  # released since upload_block looked: it says so on the next run
        st.rerun()
    columns = cache.places.places_columns(shown.digest, content)
    lat_col, lon_col = ui_places.coordinate_select(columns)
    try:
        data = cache.places.places_data(shown.digest, shown.name, lat_col, lon_col, content)
    except PlacesError as error:
        ui_places.show_file_error(shown, error)
        return
    except BusyError as error:
        ui_places.show_busy(error)
        return
    ui_places.file_summary(shown, data)

    settings, k_slot = ui_places.controls(data)
    if not settings.features:
        st.warning("Choose at least one feature to cluster on (in the sidebar).")
        return
    key = keys.places_key(
        keys.places_source(shown.digest, shown.name),
        data.lat_col,
        data.lon_col,
        settings.features,
        settings.used_scaler,
        settings.location_weight,
        settings.random_state,
    )
    try:
        model = cache.places.places_model(key, data)
    except PlacesError as error:
        ui_places.show_settings_error(error)
        return
    except BusyError as error:
        ui_places.show_busy(error)
        return
    if model.warning:
        st.warning(model.warning, icon=":material/warning:")
    k = ui_places.k_select(k_slot, model)
    merged = cache.views.places_map_merges(key, data)
    n_left_out = model.n_rows - model.n_clustered
    if n_left_out:
        st.info(
            f"{n_left_out:,} of {model.n_rows:,} places are not clustered because a chosen "
            f"feature is empty there ({'not drawn' if merged else 'grey'} on the map, cluster -1 "
            "in the downloads).",
            icon=":material/help:",
        )

    map_column, legend_column = st.columns([3, 1.2])
    with map_column:
        if merged:  # the tiles again if they were pruned since the map was cached
            cache.views.served_places_levels(key, data)
        widgets.cluster_map_chart(
            cache.views.cluster_map(key, k, _places=data),
            chart_key="places_map",
            alt=f"Map of your places coloured by {k} k-means clusters",
            note=ui_places.map_note(data.n_rows, model.n_clustered, merged),
        )
    with legend_column:
        st.subheader(f"k = {k}")
        value_column = ui_places.value_column_select(data)
        ui_places.legend(cache.views.legend(key, k, value_column, data), value_column)

    elbow_column, box_column = st.columns(2)
    with elbow_column:
        widgets.elbow_chart(
            cache.views.elbow_figure(key, k, data),
            chart_key=ui_places.ELBOW_KEY,
            on_select=ui_places.ELBOW_CALLBACK,
            suggestion=model.sweep.suggestion.message,
        )
    with box_column:
        st.subheader(f"{escape_markdown(value_column)} per cluster")
        st.plotly_chart(cache.views.box_figure(key, k, value_column, data), key="places_box_plot")

    st.subheader("Cluster profiles")
    ui_places.profile_table(
        cache.views.profile(key, k, value_column, data), settings.features, value_column
    )
    stem = ui_places.download_stem(shown.name)
    labels = cache.places.places_labels(key, k, data)
    downloads = (
        (
            "CSV",
            lambda: cache.places.places_rows_csv(data, labels),
            "csv",
            "text/csv",
            "Text that a spreadsheet would run as a formula is prefixed with an apostrophe.",
        ),
        (
            "GeoJSON",
            lambda: cache.places.places_rows_geojson(data, labels),
            "geojson",
            "application/geo+json",
            None,
        ),
    )
    for column, (kind, rows, extension, mime, help_text) in zip(
        st.columns(2), downloads, strict=True
    ):
        column.download_button(
            f"Download the places with their cluster ({kind})",
            data=rows,
            file_name=f"{stem}_clusters_k{k}.{extension}",
            mime=mime,
            on_click="ignore",
            key=f"places_download_{extension}",
            help=help_text,
        )


show_page()
