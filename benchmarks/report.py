"""Benchmark: the one-file HTML report at the default settings, its size and what it asks for.

Usage (from the project root; Debian's chromium at /usr/bin/chromium)::

    python benchmarks/report.py [path/to/housing.csv]
    python benchmarks/report.py --quick    # a smoke test: 2,000 rows

Data path: as ``benchmarks/sweep.py``. The report of the app's default view (the census
data, latitude, longitude and median house value standardised, k-means with "auto" starts,
seed 0, k = 5) is built without Streamlit: the engine's steps as the app's caches call
them, the figures' builders the caches call, then the report's own builders
(``components.figures.report``). ``--quick`` keeps a random 2,000 rows (seed 0).

- ``build_ms``: what a click on the download costs, the median of 3 builds: the map
  figure, the pen portraits and the page (plotly's JavaScript inlined, every figure to
  HTML) from the engine's results. The engine's own time is printed apart.
- ``bytes``: the report's size in UTF-8. The baseline, measured in the same run, is a bare
  page holding plotly's JavaScript alone: the report's size is printed as a ratio to it.
- ``requests_when_opened``: the report is written to a temporary file and opened in
  headless chromium from its file:// URL; every request other than that file's is
  refused and counted (it must be 0). The time to draw every figure (each plotly div
  has its SVG) is printed for the report and for the bare page.

The last line printed is::

    report bytes=<int> build_ms=<int> requests_when_opened=<int>
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "e2e"))

import harness  # noqa: E402 -- lives in tests/e2e, shared with the browser tests
import plotly.offline  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from sweep import data_path, machine_description  # noqa: E402

from components.engine import model as engine_model  # noqa: E402
from components.engine import row_labels as row_labels_engine  # noqa: E402
from components.engine.classification import profiles  # noqa: E402
from components.engine.clustering import cluster_profiles, profiles_table  # noqa: E402
from components.engine.data import load_housing  # noqa: E402
from components.engine.dataset import Dataset, housing_dataset  # noqa: E402
from components.engine.saved_model import app_version  # noqa: E402
from components.engine.scaling import SCALERS, scale_features  # noqa: E402
from components.engine.sweep.run import score_sweep  # noqa: E402
from components.figures import charts  # noqa: E402
from components.figures import report as figures  # noqa: E402
from components.figures.classification_levels import index_heatmap  # noqa: E402
from components.ui.url_state import DEFAULT_K, METHODS, ClusterSettings  # noqa: E402

QUICK_ROWS = 2_000
REPEATS = 3
OPEN_TIMEOUT_MS = 120_000
DATA_NAME = "California housing, 1990 census"  # the app's name of the census data
# Every plotly div of the page has drawn its SVG.
FIGURES_DRAWN_JS = """
() => {
  const plots = document.querySelectorAll(".js-plotly-plot");
  return plots.length > 0 && [...plots].every((plot) => plot.querySelector(".main-svg"));
}
"""


def load_dataset(path: Path, rows: int | None) -> Dataset:
    """The census data as the app reads it (a random ``rows`` of it, seed 0, when given)."""
    if rows is None:
        return housing_dataset(load_housing(path), DATA_NAME)
    sample = pd.read_csv(path).sample(n=rows, random_state=0)
    with tempfile.TemporaryDirectory() as folder:
        sampled = Path(folder) / "housing.csv"
        sample.to_csv(sampled, index=False)
        return housing_dataset(load_housing(sampled), DATA_NAME)


def report_builder(data: Dataset, settings: ClusterSettings) -> Callable[[], bytes]:
    """The view's inputs, from the engine and figures as the app's caches call them, and the
    click's work on them (as ``components.ui.report``): the map, the portraits, the page."""
    k, value_column = settings.n_clusters, settings.value_column
    matrix = engine_model.prepare(data, settings.features, settings.missing)
    scaled = scale_features(matrix.values, matrix.feature_names, settings.scaler)
    rows = row_labels_engine.fit_rows(matrix.row_positions, scaled)
    latitude = data.places.frame["latitude"].to_numpy(dtype=np.float64)
    longitude = data.places.frame["longitude"].to_numpy(dtype=np.float64)
    fits = engine_model.fit(
        scaled.train,
        latitude[rows.train],
        random_state=settings.random_state,
        n_init=settings.n_init,
    )
    sweep = score_sweep(scaled.train, fits)
    labels = row_labels_engine.label_every_row(
        data.n_rows, rows, fits.labels_for(k), fits.centroids_for(k), scaled.test
    ).labels
    suggestion = sweep.suggestion
    suggested = [] if suggestion.knee is None else [charts.SuggestedK("knee", suggestion.knee)]
    suggested += [
        charts.SuggestedK("best silhouette", suggestion.best_silhouette),
        charts.SuggestedK("best Calinski-Harabasz", suggestion.best_calinski_harabasz),
    ]
    elbow = charts.mark_current_k(
        charts.elbow_chart_base(
            sweep.k_values, sweep.inertia, sweep.silhouette, suggestions=suggested
        ),
        k,
    )
    frame = data.places.frame
    # The profiled columns, as the app's: the features, the value column, then the others.
    wanted = dict.fromkeys((*settings.features, value_column, *data.numeric_columns))
    columns = [name for name in wanted if name not in ("latitude", "longitude")][:10]
    scores = profiles.index_scores(frame, labels, columns, k)
    clustered = labels >= 0
    counts = np.bincount(labels[clustered], minlength=k)
    names = profiles.draft_names(
        scores,
        {name: data.label(name).lower() for name in scores.columns},
        np.bincount(labels[clustered], weights=latitude[clustered], minlength=k) / counts,
        np.bincount(labels[clustered], weights=longitude[clustered], minlength=k) / counts,
        float(np.median(latitude[clustered])),
        float(np.median(longitude[clustered])),
    )
    profile = profiles_table(
        cluster_profiles(frame, labels, list(settings.features), value_column, n_clusters=k),
        settings.features,
    )
    fixed = dict(
        title=data.name,
        settings=(
            ("Data", data.name),
            ("sha256 of the data", data.sha256),
            ("Places", f"{data.n_rows:,} ({int(clustered.sum()):,} clustered)"),
            ("Features", ", ".join(data.label(name) for name in settings.features)),
            ("Transforms", "none"),
            ("Scaler", SCALERS[settings.scaler]),
            ("Method", METHODS[settings.method]),
            ("k", str(k)),
            ("Seed (random_state)", str(settings.random_state)),
            ("Starts (n_init)", str(settings.n_init)),
        ),
        version=app_version(),
        elbow=elbow,
        elbow_note=suggestion.message,
        box=charts.feature_boxplot(
            frame[value_column].to_numpy(dtype=np.float64),
            labels,
            k,
            feature_label=data.label(value_column),
            cap=data.cap(value_column),
            names=names,
        ),
        box_title=f"{data.label(value_column)} per cluster",
        profile=figures.profile_table(
            profile.drop(columns=["standout_columns", "standout_z"]),
            names,
            [data.label(name) for name in settings.features],
            data.label(value_column),
        ),
        index_heatmap=index_heatmap(scores, names),
        index_note=" ".join(scores.explanations.values()),
    )
    column_labels = {name: data.label(name) for name in data.numeric_columns}

    def build() -> bytes:
        content = figures.ReportContent(
            **fixed,
            created=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            cluster_map=figures.cluster_scatter(longitude, latitude, labels, names),
            portraits=figures.pen_portraits(labels, names, scores, column_labels),
        )
        return figures.report_html(content).encode("utf-8")

    return build


def open_in_chromium(browser: Browser, path: Path) -> tuple[float, list[str]]:
    """Open a file in a fresh context; the ms until every figure is drawn, other requests."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    page = context.new_page()
    own_url = path.resolve().as_uri()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == own_url else route.abort(),
    )
    start = time.perf_counter()
    page.goto(own_url, timeout=OPEN_TIMEOUT_MS)
    page.wait_for_function(FIGURES_DRAWN_JS, timeout=OPEN_TIMEOUT_MS)
    elapsed_ms = (time.perf_counter() - start) * 1000
    page.wait_for_timeout(500)  # a request a drawn figure makes late is counted too
    context.close()
    return elapsed_ms, [url for url in requested if url != own_url]


def main() -> None:
    """Build the default report, open it in chromium, print the summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="path to housing.csv")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: a random {QUICK_ROWS:,} rows"
    )
    arguments = parser.parse_args()
    print(f"machine: {machine_description()}")
    path = data_path(arguments.data)
    data = load_dataset(path, QUICK_ROWS if arguments.quick else None)
    settings = ClusterSettings(n_clusters=DEFAULT_K)
    print(
        f"data: {path} n={data.n_rows} features={','.join(settings.features)} "
        f"scaler={settings.scaler} k={settings.n_clusters} n_init={settings.n_init}"
    )
    start = time.perf_counter()
    build = report_builder(data, settings)
    print(f"engine and figures of the view: {time.perf_counter() - start:.2f} s")
    build_ms = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        built = build()
        build_ms.append((time.perf_counter() - start) * 1000)
    bare = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        "<div id='plot'></div><script>Plotly.newPlot('plot', [{y: [1, 2]}]);</script>"
        "</body></html>"
    ).encode()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        report_path, bare_path = Path(folder) / "report.html", Path(folder) / "bare.html"
        report_path.write_bytes(built)
        bare_path.write_bytes(bare)
        browser = harness.launch_chromium(playwright)
        try:
            bare_ms, bare_requests = open_in_chromium(browser, bare_path)
            report_ms, requests = open_in_chromium(browser, report_path)
        finally:
            browser.close()
    print(f"build: {', '.join(f'{ms:.0f}' for ms in build_ms)} ms ({REPEATS} builds)")
    print(
        f"baseline: a bare page of plotly.js alone, {len(bare):,} bytes, drawn in "
        f"{bare_ms:.0f} ms, {len(bare_requests)} other requests; the report: {len(built):,} "
        f"bytes ({len(built) / len(bare):.2f} x the bare page), drawn in {report_ms:.0f} ms "
        f"({report_ms / bare_ms:.2f} x)"
    )
    for url in requests:
        print(f"REQUESTED {url}")
    print(f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(
        f"report bytes={len(built)} build_ms={statistics.median(build_ms):.0f} "
        f"requests_when_opened={len(requests)}"
    )


if __name__ == "__main__":
    main()
