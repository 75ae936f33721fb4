"""The report opened from a file in chromium: no request but the file, drawn, printable.

The report of the census data (k-means, k = 5) is written to a temporary file and opened
from its file:// URL in a context that refuses and records every other request. Its map
is read from a screenshot: the points in the palette's saturated colours, the outline in
grey. Then chromium prints it to PDF.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import app_page as ui
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sklearn.cluster import KMeans

from components.engine.classification.profiles import index_scores
from components.engine.clustering import cluster_profiles, profiles_table
from components.engine.data import load_housing
from components.engine.dataset import housing_dataset
from components.engine.saved_model import app_version
from components.figures import charts
from components.figures import report as figures
from components.figures.classification_levels import index_heatmap
from tests.reference_data import HOUSING_CSV

pytestmark = pytest.mark.e2e

REPORT_LABEL = "Download the report (HTML)"
NAMES = ("Bay <b>Area</b>", "Central Valley", "Los Angeles & coast", "Desert", "North")
N_FIGURES = 4  # map, elbow, box plot, index scores
DRAW_TIMEOUT_MS = 60_000
# A pixel whose channels differ by at least this much is a point (the palette's colours);
# one whose channels are within NEUTRAL_SPREAD and darker than GREY_LIGHTEST, an outline.
SATURATED_SPREAD = 40
NEUTRAL_SPREAD = 6
GREY_LIGHTEST = 235
# The points of the 20,640 places cover twice POINT_PIXELS and more; without them (WebGL not
# drawing) only the legend's markers are saturated, under half of it. Without the outline no
# pixel of the map is neutral grey (plotly's text is blue-grey).
POINT_PIXELS = 12_000
OUTLINE_PIXELS = 500
MAX_PDF_PAGES = 30


def _report_html() -> str:
    """The report of the census data clustered on location and house value, k = 5."""
    data = housing_dataset(load_housing(HOUSING_CSV), "California housing, 1990 census")
    frame = data.places.frame
    features = ["latitude", "longitude", "median_house_value"]
    values = frame[features].to_numpy()
    scaled = (values - values.mean(axis=0)) / values.std(axis=0)
    fits = {k: KMeans(n_clusters=k, n_init=1, random_state=0).fit(scaled) for k in range(2, 8)}
    labels = fits[5].labels_
    silhouette = [0.5, 0.45, 0.42, 0.48, 0.4, 0.38]  # the chart's shape is not under test
    columns = ["median_house_value", "median_income", "housing_median_age"]
    scores = index_scores(frame, labels, columns, 5)
    profile = profiles_table(cluster_profiles(frame, labels, features, n_clusters=5), features)
    content = figures.ReportContent(
        title=data.name,
        settings=(("Data", data.name), ("sha256 of the data", data.sha256), ("k", "5")),
        version=app_version(),
        created="2024-01-02 03:04 UTC",
        cluster_map=figures.cluster_scatter(
            frame["longitude"].to_numpy(), frame["latitude"].to_numpy(), labels, NAMES
        ),
        portraits=figures.pen_portraits(labels, NAMES, scores, {"median_income": "Income"}),
        elbow=charts.mark_current_k(
            charts.elbow_chart_base(
                list(fits), [fit.inertia_ for fit in fits.values()], silhouette
            ),
            5,
        ),
        elbow_note="Suggested k.",
        box=charts.feature_boxplot(
            frame["median_house_value"].to_numpy(),
            labels,
            5,
            feature_label="Median house value",
            names=NAMES,
        ),
        box_title="Median house value per cluster",
        profile=figures.profile_table(
            profile.drop(columns=["standout_columns", "standout_z"]),
            NAMES,
            ["Latitude", "Longitude", "Median house value"],
            "Median house value",
        ),
        index_heatmap=index_heatmap(scores, NAMES),
        index_note="Index: 100 is average.",
    )
    return figures.report_html(content)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(_report_html(), encoding="utf-8")
    return path


class OpenedReport:
    """A page showing the report, and what it asked for besides the file."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.other_requests: list[str] = []
        self.errors: list[str] = []


@contextlib.contextmanager
def open_report(browser: Browser, path: Path) -> Iterator[OpenedReport]:
    """A report opened from its file:// URL, every other request refused and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    report = OpenedReport(page, path.resolve().as_uri())
    page.on(
        "request",
        lambda request: (
            None if request.url == report.url else report.other_requests.append(request.url)
        ),
    )
    page.on(
        "console",
        lambda message: report.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: report.errors.append(str(error)))
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == report.url else route.abort(),
    )
    try:
        page.goto(report.url)
        page.wait_for_function(
            f"""() => [...document.querySelectorAll(".js-plotly-plot")].filter(
                (plot) => plot.querySelector(".main-svg")).length === {N_FIGURES}""",
            timeout=DRAW_TIMEOUT_MS,
        )
        page.wait_for_timeout(1_000)  # a request a drawn figure would make late is seen too
        yield report
    finally:
        context.close()


@pytest.fixture
def opened(browser: Browser, report_file: Path) -> Iterator[OpenedReport]:
    """The census data's report, opened from its file."""
    with open_report(browser, report_file) as report:
        yield report


def _pixels(png: bytes) -> tuple[int, int]:
    """Saturated (point) and neutral grey (outline) pixels of a screenshot."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    saturated = int((spread >= SATURATED_SPREAD).sum())
    grey = int(((spread <= NEUTRAL_SPREAD) & (rgb.max(axis=2) < GREY_LIGHTEST)).sum())
    return saturated, grey


def assert_drawn_offline(report: OpenedReport, names: Sequence[str]) -> None:
    """No request but the file, no error; every figure drawn, the map's points and outline
    too, and the clusters named as written."""
    page = report.page
    assert report.other_requests == []
    assert report.errors == []
    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(N_FIGURES)
    for index in range(N_FIGURES):
        expect(plots.nth(index).locator(".main-svg").first).to_be_visible()
    map_plot = page.locator("#map .js-plotly-plot")
    expect(map_plot.locator("canvas").first).to_be_attached()
    map_plot.scroll_into_view_if_needed()
    points, outline = _pixels(map_plot.screenshot())
    assert points >= POINT_PIXELS and outline >= OUTLINE_PIXELS, (points, outline)
    for index, name in enumerate(names):
        expect(page.locator("#clusters h3").nth(index)).to_have_text(f"{index}: {name}")
        expect(map_plot.locator(".legendtext").nth(index)).to_have_text(f"{index}: {name}")
    expect(page.locator("h1")).to_have_text("Clusters of California housing, 1990 census")


def test_the_report_asks_for_nothing_and_draws_everything(opened: OpenedReport) -> None:
    assert_drawn_offline(opened, NAMES)
    # The markup in a name is shown as text, not applied.
    expect(opened.page.locator("b", has_text="Area")).to_have_count(0)


def test_the_report_prints_to_a_few_pages(opened: OpenedReport) -> None:
    pdf = opened.page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert 1 <= pages < MAX_PDF_PAGES, pages
    assert opened.other_requests == []


def _legend_names(page: Page) -> list[str]:
    """The name column of the legend (cluster, name, ...), top down."""
    return ui.legend_column(page, 1)


def test_the_apps_report_opens_offline(
    page: Page, base_url: str, browser: Browser, tmp_path: Path
) -> None:
    ui.open_clusters(page, base_url)
    names = _legend_names(page)
    assert len(names) == ui.DEFAULT_K and all(names)
    with page.expect_download() as download:
        page.get_by_role("button", name=REPORT_LABEL, exact=True).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "California_housing_1990_census_k5_report.html"
    with open_report(browser, path) as report:
        assert_drawn_offline(report, names)
