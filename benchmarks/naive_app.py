"""A naive k-means page of the tutorial's kind: the baseline benchmarks/browser.py times.

Run with ``streamlit run benchmarks/naive_app.py`` from the project root. It is written
the way a typical analyst writes a first Streamlit app, on purpose: the CSV is read with
pandas, KMeans is refitted on every rerun, every clustered row goes to pydeck inside the
deck's JSON, and the box plot is ``px.box`` over every row. Only what a tutorial caches
is cached (the CSV read and the elbow curve). Its defaults (features, k, n_init, seed,
map size and view) are the app's, so both pages draw the same picture.
"""

import os
from pathlib import Path

import pandas as pd
import plotly.express as px
import pydeck as pdk
import streamlit as st
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "housing.csv"
DATA_PATH = os.environ.get("GEOCLUSTER_DATA") or str(DEFAULT_DATA)
# The app's defaults: components/engine/features.py DEFAULT_FEATURES and
# components/ui/url_state.py (k 5, n_init "auto", random_state 0).
DEFAULT_FEATURES = ["latitude", "longitude", "median_house_value"]
DEFAULT_K = 5
N_INIT = "auto"
SEED = 0
K_VALUES = list(range(2, 16))
COLOURS = [list(px.colors.hex_to_rgb(c)) for c in px.colors.qualitative.Dark24]

st.set_page_config(page_title="Naive k-means", layout="wide")


@st.cache_data
def load_data(path):
    """Read the housing CSV."""
    return pd.read_csv(path)


@st.cache_data
def elbow(X):
    """Inertia of k-means for every k on the slider."""
    return [KMeans(k, n_init=N_INIT, random_state=SEED).fit(X).inertia_ for k in K_VALUES]


st.title("K-means clusters of California block groups")
df = load_data(DATA_PATH)

numeric = df.select_dtypes("number").columns.tolist()
features = st.sidebar.multiselect("Features to cluster on", numeric, default=DEFAULT_FEATURES)
k = st.sidebar.slider("Number of clusters k", 2, 15, DEFAULT_K)
if len(features) < 2:
    st.warning("Choose at least two features.")
    st.stop()

data = df.dropna(subset=features).copy()
X = StandardScaler().fit_transform(data[features])
model = KMeans(n_clusters=k, n_init=N_INIT, random_state=SEED).fit(X)
data["cluster"] = model.labels_
data["colour"] = [COLOURS[c] for c in model.labels_]

layer = pdk.Layer(
    "ScatterplotLayer",
    data=data[["longitude", "latitude", "cluster", "colour"]],
    get_position=["longitude", "latitude"],
    get_fill_color="colour",
    get_radius=900,
    radius_min_pixels=1.5,
    radius_max_pixels=12,
    pickable=True,
)
view = pdk.ViewState(latitude=37.39, longitude=-119.33, zoom=4.75)
st.pydeck_chart(
    pdk.Deck(
        layers=[layer],
        initial_view_state=view,
        tooltip={"text": "cluster {cluster}"},
    ),
    height=560,
)

left, right = st.columns(2)
with left:
    st.subheader("Elbow")
    fig = px.line(x=K_VALUES, y=elbow(X), markers=True, labels={"x": "k", "y": "inertia"})
    fig.add_vline(x=k, line_dash="dash")
    st.plotly_chart(fig)
with right:
    st.subheader("Median house value per cluster")
    data["cluster"] = data["cluster"].astype(str)
    fig = px.box(data, x="cluster", y="median_house_value", color="cluster")
    st.plotly_chart(fig)
