"""The one-file HTML report: self-contained, escaped, small; its map, portraits and tables."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import plotly.offline
import pytest
from sklearn.cluster import KMeans

from components.engine.classification.profiles import index_scores
from components.engine.data import load_housing
from components.engine.dataset import housing_dataset
from components.figures import charts, report
from components.figures.classification_levels import index_heatmap
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE
from components.figures.report import (
    MAX_PORTRAIT_SENTENCES,
    ReportContent,
    cluster_scatter,
    pen_portraits,
    profile_table,
    report_html,
)
from tests.reference_data import HOUSING_CSV

PLOTLY_JS = plotly.offline.get_plotlyjs()
HOSTILE = "<script>alert(1)</script>"
SHA256 = "ab" * 32
TEN_MB = 10 * 1024 * 1024


def _profile(n_clusters: int) -> pd.DataFrame:
    """A profiles_table-like frame of one feature ("rooms") and a value column."""
    return pd.DataFrame(
        {
            "cluster": range(n_clusters),
            "size": [10] * n_clusters,
            "share": [1 / n_clusters] * n_clusters,
            "rooms": [float(3 + cluster) for cluster in range(n_clusters)],
            "value_median": [1500.0 * (cluster + 1) for cluster in range(n_clusters)],
            "value_q1": [1000.0] * n_clusters,
            "value_q3": [2000.0] * n_clusters,
            "standouts": ["rooms +1.0 sd"] * n_clusters,
        }
    )


def _content(
    longitude: np.ndarray, latitude: np.ndarray, labels: np.ndarray, names: list[str]
) -> ReportContent:
    """A report of these places with small real figures; the value column is "rooms"."""
    k = len(names)
    frame = pd.DataFrame({"rooms": np.arange(labels.size) % 7 + 1.0, "gain": latitude - 36.0})
    scores = index_scores(frame, labels, ["rooms", "gain"], k)
    column_labels = {"rooms": "Rooms", "gain": "Gain"}
    return ReportContent(
        title=f"places {HOSTILE}.csv",
        settings=(("Data", f"places {HOSTILE}.csv"), ("sha256 of the data", SHA256), ("k", str(k))),
        version="9.9.9",
        created="2024-01-02 03:04 UTC",
        cluster_map=cluster_scatter(longitude, latitude, labels, names),
        portraits=pen_portraits(labels, names, scores, column_labels),
        elbow=charts.mark_current_k(
            charts.elbow_chart_base([2, 3, 4], [9.0, 5.0, 4.0], [0.5, 0.6, 0.4]), k
        ),
        elbow_note="The criteria disagree.",
        box=charts.feature_boxplot(
            frame["rooms"].to_numpy(), labels, k, feature_label="Rooms", names=names
        ),
        box_title="Rooms per cluster",
        profile=profile_table(_profile(k), names, ["Rooms"], f"value {HOSTILE}"),
        index_heatmap=index_heatmap(scores, names),
        index_note="Index: 100 is average.",
    )


@pytest.fixture(scope="module")
def toy_report() -> str:
    rng = np.random.default_rng(0)
    n = 300
    longitude = rng.uniform(-124, -114, n)
    latitude = rng.uniform(32, 42, n)
    labels = (latitude > 37).astype(np.int64) + 2 * (longitude > -119)
    return report_html(_content(longitude, latitude, labels, [HOSTILE, "b", "c", "d"]))


def _without_plotly_js(text: str) -> str:
    assert text.count(PLOTLY_JS) == 1
    return text.replace(PLOTLY_JS, "")


def _figure_data(page: str) -> list[list[dict]]:
    """The traces of every figure of the page (the first argument after the div's id)."""
    decoder = json.JSONDecoder()
    return [
        decoder.raw_decode(page, match.end())[0]
        for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page)
    ]


def test_plotly_js_is_inline_exactly_once(toy_report: str) -> None:
    assert toy_report.count(PLOTLY_JS) == 1
    assert len(re.findall(r"\* plotly\.js v\d", toy_report)) == 1
    # Every figure is drawn by that one copy: no figure brings its own.
    assert toy_report.count("Plotly.newPlot(") == 4  # map, elbow, box plot, index scores


def test_nothing_is_fetched_from_outside(toy_report: str) -> None:
    # plotly.js itself holds URLs in strings (its map styles' attributions, never fetched
    # here): the page around it is checked.
    page = _without_plotly_js(toy_report)
    lowered = page.lower()
    for needle in ('src="http', "src='http", 'href="http', "href='http", "@import", "<link"):
        assert needle not in lowered, needle
    assert not re.search(r"<script[^>]*\ssrc\s*=", lowered)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", lowered)
    assert "@font-face" not in lowered
    # The browser is told to load nothing else either.
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    assert "connect-src" not in policy.group(1)  # falls back to 'none'
    # No trace that fetches topojson or tiles (plotly's template names them all: the
    # figures' data are read).
    types = {trace["type"] for data in _figure_data(page) for trace in data}
    assert types == {"scattergl", "scatter", "box", "heatmap"}


def test_user_text_is_escaped(toy_report: str) -> None:
    page = _without_plotly_js(toy_report)
    assert HOSTILE not in page
    assert "alert(1)" in page  # the name is there ...
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # ... as text, in the page
    # ... and as text in plotly's labels (entities, which plotly shows as written; plotly's
    # JSON writes "/" as \u002f).
    assert '"name":"0: &lt;script&gt;alert(1)&lt;\\u002fscript&gt;"' in page
    assert "<h1>Clusters of places &lt;script&gt;" in page
    assert "<title>Clusters of places &lt;script&gt;" in page
    # The table's headers are escaped too.
    assert "<th>median value &lt;script&gt;alert(1)&lt;/script&gt;</th>" in page


def test_settings_sha256_version_and_date_appear(toy_report: str) -> None:
    assert f"<th>sha256 of the data</th><td>{SHA256}</td>" in toy_report
    assert "<th>k</th><td>4</td>" in toy_report
    assert "geocluster 9.9.9 on 2024-01-02 03:04 UTC" in toy_report


def test_print_styles_keep_sections_whole_and_figures_within_the_page(toy_report: str) -> None:
    style = re.search(r"<style>(.*?)</style>", toy_report, re.S)
    assert style is not None
    assert re.search(r"section \{[^}]*break-inside: avoid", style.group(1))
    assert "@media print" in style.group(1) and "@page" in style.group(1)
    # 960 px of screen scaled by the print zoom fit a Letter or A4 page's width in CSS px
    # (A4 is 210 mm, 793 px, less 2 x 12 mm margins: 702 px).
    zoom = float(re.search(r"main \{ zoom: ([\d.]+)", style.group(1)).group(1))
    width = int(re.search(r"main \{ max-width: (\d+)px", style.group(1)).group(1))
    assert width * zoom <= (210 - 24) / 25.4 * 96


def test_a_report_of_the_housing_data_is_under_ten_mb() -> None:
    data = housing_dataset(load_housing(HOUSING_CSV), "California housing, 1990 census")
    frame = data.places.frame
    longitude = frame["longitude"].to_numpy()
    latitude = frame["latitude"].to_numpy()
    features = frame[["latitude", "longitude", "median_house_value"]].to_numpy()
    scaled = (features - features.mean(axis=0)) / features.std(axis=0)
    labels = KMeans(n_clusters=5, n_init=1, random_state=0).fit_predict(scaled)
    names = [f"{HOSTILE} cluster {cluster}" for cluster in range(5)]
    content = _content(longitude, latitude, labels, names)
    text = report_html(content)
    assert content.cluster_map.note == "Every one of the 20,640 places is drawn."
    size = len(text.encode("utf-8"))
    assert len(PLOTLY_JS) < size < TEN_MB


# ------------------------------------------------------------------------ the map


def test_map_draws_each_cluster_in_its_colour_over_the_outline() -> None:
    longitude = np.array([-122.0, -121.0, -118.0, -117.0, -120.0])
    latitude = np.array([38.0, 37.0, 34.0, 33.0, 36.0])
    labels = np.array([0, 0, 1, 1, -1])
    result = cluster_scatter(longitude, latitude, labels, ["north", "south <b>"])
    traces = result.figure.data
    assert all(trace.type == "scattergl" for trace in traces)
    outline, grey, first, second = traces
    assert outline.mode == "lines" and outline.hoverinfo == "skip"
    assert np.isnan(np.asarray(outline.x, dtype=float)).any()  # several paths, NaN between
    assert grey.marker.color == NOT_CLUSTERED_COLOUR and grey.name == "not clustered"
    assert first.marker.color == PALETTE[0] and first.name == "0: north"
    assert second.marker.color == PALETTE[1] and second.name == "1: south &lt;b&gt;"
    np.testing.assert_allclose(np.asarray(second.x, dtype=float), [-118.0, -117.0])
    np.testing.assert_allclose(np.asarray(second.y, dtype=float), [34.0, 33.0])
    assert "%{" not in "".join(trace.name for trace in traces)
    assert result.note == "Every one of the 5 places is drawn."


def test_map_aspect_follows_the_mean_latitude() -> None:
    # Mean latitude 60 degrees: a degree of latitude is twice a degree of longitude.
    result = cluster_scatter(
        np.array([10.0, 11.0, 12.0]), np.array([59.0, 60.0, 61.0]), np.array([0, 1, 1]), "ab"
    )
    yaxis = result.figure.layout.yaxis
    assert yaxis.scaleanchor == "x"
    assert yaxis.scaleratio == pytest.approx(2.0)
    # The axes frame the places, padded.
    assert yaxis.range[0] < 59 and yaxis.range[1] > 61
    assert result.figure.layout.xaxis.range[0] < 10 < 12 < result.figure.layout.xaxis.range[1]


def test_map_outline_keeps_only_paths_near_the_places() -> None:
    near_lyon = cluster_scatter(
        np.array([4.8, 4.9]), np.array([45.7, 45.8]), np.array([0, 1]), "ab"
    )
    world = cluster_scatter(
        np.array([-170.0, 170.0]), np.array([-60.0, 70.0]), np.array([0, 1]), "ab"
    )
    assert near_lyon.figure.data[0].x.size < world.figure.data[0].x.size


def test_map_draws_a_seeded_sample_above_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "MAX_MAP_POINTS", 100)
    rng = np.random.default_rng(1)
    longitude, latitude = rng.uniform(0, 10, 1_000), rng.uniform(40, 50, 1_000)
    labels = rng.integers(0, 3, 1_000)
    first = cluster_scatter(longitude, latitude, labels, "abc")
    again = cluster_scatter(longitude, latitude, labels, "abc")
    assert "random 100 of the 1,000 places" in first.note

    def drawn(result) -> set[tuple[float, float]]:
        return {
            (float(x), float(y))
            for trace in result.figure.data[1:]
            for x, y in zip(trace.x, trace.y, strict=True)
        }

    assert len(drawn(first)) == 100 and drawn(first) == drawn(again)
    places = {
        (float(np.float32(x)), float(np.float32(y)))
        for x, y in zip(longitude, latitude, strict=True)
    }
    assert drawn(first) <= places
    # Each sampled place keeps its own cluster.
    cluster_of = {
        (float(np.float32(x)), float(np.float32(y))): int(label)
        for x, y, label in zip(longitude, latitude, labels, strict=True)
    }
    for cluster, trace in enumerate(first.figure.data[1:]):
        pairs = zip(trace.x, trace.y, strict=True)
        assert {cluster_of[(float(x), float(y))] for x, y in pairs} == {cluster}


@pytest.mark.parametrize(
    ("longitude", "latitude", "labels", "names", "message"),
    [
        ([0.0, 1.0], [0.0], [0, 1], "ab", "one length"),
        ([], [], [], "ab", "no places"),
        ([0.0, math.nan], [0.0, 1.0], [0, 1], "ab", "finite"),
        ([0.0, 1.0], [0.0, 1.0], [0, 2], "ab", "one name per cluster"),
        ([0.0, 1.0], [0.0, 1.0], [0, -2], "ab", "expected -1"),
        ([0.0, 1.0], [0.0, 1.0], [0, 0], [], "n_clusters=0"),
    ],
)
def test_map_refuses_bad_input(longitude, latitude, labels, names, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        cluster_scatter(np.array(longitude), np.array(latitude), np.array(labels), names)


# ------------------------------------------------------------ portraits and tables


def test_pen_portraits_say_size_share_and_the_strongest_scores() -> None:
    # income: cluster means 2 and 4 against 3 (index 67 and 133), sd 1.41: -0.71, +0.71.
    # change (negative values: standardised): means 0 and 3 against 1.5, sd 1.80: -/+0.83.
    # flat: means 10.5 and 10.5 against 10.5: 0 sd, never said.
    frame = pd.DataFrame(
        {
            "income": [1.0, 3.0, 3.0, 5.0],
            "change": [-1.0, 1.0, 2.0, 4.0],
            "flat": [10.0, 11.0, 11.0, 10.0],
        }
    )
    labels = np.array([0, 0, 1, 1])
    scores = index_scores(frame, labels, ["income", "change", "flat"], 2)
    first, second = pen_portraits(labels, ["low", "high"], scores, {"income": "Income"})
    assert (first.cluster, first.name, first.size, first.share) == (0, "low", 2, 0.5)
    assert first.sentences == (
        "change is 0.8 standard deviations below the average.",
        "Income is 67% of the average.",
    )
    assert second.sentences == (
        "change is 0.8 standard deviations above the average.",
        "Income is 133% of the average.",
    )


def test_pen_portraits_give_at_most_a_few_sentences_and_skip_not_clustered() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, -1], 50)
    frame = pd.DataFrame({f"c{i}": rng.normal(10 + 5 * (labels == 0), 1) for i in range(6)})
    scores = index_scores(frame, labels, list(frame.columns), 2)
    portraits = pen_portraits(labels, ["a", "b"], scores, {})
    assert [len(portrait.sentences) for portrait in portraits] == [MAX_PORTRAIT_SENTENCES] * 2
    assert [(portrait.size, portrait.share) for portrait in portraits] == [(50, 0.5), (50, 0.5)]
    assert pen_portraits(labels, ["a", "b"], None, {})[0].sentences == ()
    with pytest.raises(ValueError, match="one per name"):
        pen_portraits(labels, ["a", "b", "c"], scores, {})
    with pytest.raises(ValueError, match="below 1"):
        pen_portraits(labels, ["a"], None, {})


def test_profile_table_names_the_columns_and_the_clusters() -> None:
    table = profile_table(_profile(2), ["north", "south"], ["Rooms (rooms)"], "Value (USD)")
    assert list(table.columns) == [
        "cluster",
        "name",
        "places",
        "share",
        "mean Rooms (rooms)",
        "median Value (USD)",
        "Value (USD) q1",
        "Value (USD) q3",
        "stands out",
    ]
    assert table["name"].tolist() == ["north", "south"]
    assert table["share"].tolist() == ["50.0%", "50.0%"]
    with pytest.raises(ValueError, match="one per feature"):
        profile_table(_profile(2), ["north", "south"], [], "Value")


def test_table_cells_are_formatted_and_escaped(toy_report: str) -> None:
    profiles = re.search(r'id="profiles">(.*?)</section>', toy_report, re.S).group(1)
    # 1500 * 4 = 6,000 with a separator, right-aligned; 25% as text; the name escaped.
    assert '<td class="number">6,000</td>' in profiles
    assert "<td>25.0%</td>" in profiles
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in profiles


def test_a_figure_is_not_changed_by_the_report() -> None:
    box = charts.feature_boxplot(np.arange(6.0), np.array([0, 0, 0, 1, 1, 1]), 2, feature_label="x")
    before = box.to_json()
    rng = np.random.default_rng(0)
    content = _content(
        rng.uniform(0, 1, 20), rng.uniform(40, 41, 20), np.arange(20) % 2, ["a", "b"]
    )
    report_html(ReportContent(**{**vars(content), "box": box}))
    assert box.to_json() == before
