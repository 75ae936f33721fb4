"""When k-means fails: toy shapes scored against the truth, then density areas vs k-means."""

import streamlit as st

from components.engine.upload import PlacesError
from components.figures import alternatives as figures_alternatives
from components.ui import alternatives as ui_alternatives
from components.ui import cache, source
from components.ui import widgets as ui
from components.ui.insight import plain_chart
from components.ui.router import ensure_routed
from components.ui.text import escape_markdown

ensure_routed()

st.title("When k-means fails")
st.caption(
    "k-means assumes compact, round clusters of similar size around centroids and splits "
    "the plane with straight boundaries. Where that holds it is fast and right; where it "
    "does not, algorithms that follow density or chains of neighbours do better."
)

st.header("Shapes with known groups")
toy_key = ui_alternatives.toy_controls()
comparison = cache.alternatives.toy_comparison(*toy_key)
st.caption(
    comparison.toy.description
    + " Every algorithm sees the same standardised points; colours follow the true group "
    "each cluster overlaps most, grey is noise. ARI: adjusted Rand index against the true "
    "groups (1 = identical, about 0 = chance; each noise point counts as its own cluster)."
)
plain_chart(cache.alternatives.toy_grid_figure(*toy_key), "kmf_toy_grid")
st.info(figures_alternatives.toy_verdict(comparison.results), icon=":material/lightbulb:")
ui_alternatives.comparison_table(cache.alternatives.toy_table(*toy_key))
st.caption(
    "Fit times are of the first fit of these settings on a shared machine; "
    "they are cached afterwards."
)

st.header("On your data: dense areas vs k-means regions")
data_source, data = source.active_or_stop()
places = data.place_word
st.caption(
    f"Left: density clustering of the {places}' locations with the great-circle "
    "(haversine) distance. Right: k-means on latitude and longitude alone, standardised, "
    f"so both see only where the {places} are."
)
settings = ui_alternatives.density_controls()
density_args = (data_source, settings.method, settings.eps_km, settings.min_samples)
try:
    location_fits = cache.model.sweep_fits(cache.alternatives.location_key(data_source))
    density = cache.alternatives.density_areas(*density_args)
except (PlacesError, ValueError) as error:
    st.error(f"**These places cannot be clustered.** {escape_markdown(str(error))}")
    st.stop()
areas = cache.alternatives.density_summary(*density_args)
k = min(settings.n_clusters, location_fits.k_values[-1])
regions = cache.alternatives.location_kmeans_summary(data_source, k)
method_name = ui_alternatives.METHOD_LABELS[settings.method]
located = cache.alternatives.located_rows(data_source)

density_column, kmeans_column = st.columns(2)
with density_column:
    st.subheader(
        f"{method_name}: {density.n_clusters} dense area{'s' if density.n_clusters != 1 else ''}, "
        f"{density.noise_share:.0%} noise"
    )
    st.pydeck_chart(
        cache.alternatives.density_map(*density_args),
        height=480,
        key="kmf_density_map",
        alt=f"Map of the {places} coloured by {density.n_clusters} {method_name} areas",
    )
    how = (
        f"fewer than {settings.min_samples} {places} within {settings.eps_km:g} km"
        if settings.eps_km is not None
        else "not inside any area that stays dense"
    )
    st.caption(
        f"Grey: noise ({how}). Numbers: the ten largest areas. "
        "Colours repeat after 15 areas; the table names each one."
    )
with kmeans_column:
    st.subheader(f"k-means: {k} regions, no noise")
    ui.cluster_map_chart(
        cache.views.cluster_map(cache.alternatives.location_key(data_source), k),
        chart_key="kmf_kmeans_map",
        alt=f"Map of the {places} coloured by {k} k-means clusters of their location",
    )

note_column, kmeans_note_column = st.columns(2)
note_column.info(
    figures_alternatives.density_note(
        settings.method, density.n_clusters, density.noise_share, areas
    ),
    icon=":material/blur_on:",
)
kmeans_note_column.info(
    figures_alternatives.kmeans_regions_note(
        regions, areas, cache.alternatives.location_labels(data_source, k), density.labels
    ),
    icon=":material/grid_view:",
)

st.subheader(f"{method_name}'s dense areas")
ui_alternatives.area_table(areas, key="kmf_density_table")
st.subheader("k-means regions")
ui_alternatives.area_table(regions, key="kmf_kmeans_table")
st.caption(
    ("Nearest place: the named town closest to the area's centre. " if data.is_census else "")
    + f"Radius: median distance of its {places} from the centre; extent: the 90th percentile "
    "of that distance."
)
if located.sampled:
    st.caption(
        f"Both are compared on a fixed random sample of {located.rows.size:,} of the "
        f"{located.n_rows:,} {places}: density clustering needs every pair of nearby places."
    )
if density.sample_size:
    st.caption(
        f"HDBSCAN was fitted on {density.sample_size:,} sampled {places}; every other one "
        "took the area (or noise) of its nearest sampled neighbour."
    )
