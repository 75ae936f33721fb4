"""The Clusters page's report: one self-contained HTML file of the analysis shown.

Every input is gathered from the caches while the page's script runs; the file is
assembled by :func:`components.figures.report.report_html` only when the button is
clicked. The click is served outside the session's script, where a session's upload
cannot be looked up, so the callable holds values (arrays, figures, tables) and no key.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import streamlit as st

from components.engine.classification.transforms import TRANSFORMS
from components.engine.dataset import Dataset
from components.engine.saved_model import app_version
from components.engine.scaling import SCALERS
from components.engine.sweep.run import SweepResult
from components.figures import report as figures
from components.figures.classification_levels import index_heatmap
from components.ui import cache
from components.ui.url_state import METHODS
from components.ui.widgets import ModelView, download_stem

PENDING_NOTE = (
    "The silhouette of every k was still being computed when this report was made: the "
    "chart shows the inertia only. Download the report again once the page shows the "
    "silhouette."
)


def _with_unit(data: Dataset, column: str) -> str:
    unit = data.unit(column)
    return f"{data.label(column)} ({unit})" if unit else data.label(column)


def _settings(view: ModelView, n_clustered: int) -> tuple[tuple[str, str], ...]:
    """The settings of the view as (label, value) rows: what reproduces the analysis."""
    data, key, settings = view.dataset, view.key, view.settings
    scaler = SCALERS[key.scaler]
    if key.scaler == "geographic":
        scaler += f", location weight {key.location_weight:g}"
    method = METHODS[key.method]
    if key.method == "levels":
        method += f", {key.fine_k} fine clusters"
    transforms = "; ".join(f"{data.label(name)}: {TRANSFORMS[how]}" for name, how in key.transforms)
    rows = [
        ("Data", data.name),
        ("sha256 of the data", data.sha256),
        ("Places", f"{data.n_rows:,} ({n_clustered:,} clustered)"),
        ("Features", ", ".join(data.label(name) for name in key.features)),
        ("Transforms", transforms or "none"),
        ("Scaler", scaler),
        ("Method", method),
        ("k", str(settings.n_clusters)),
        ("Seed (random_state)", str(key.random_state)),
        ("Starts (n_init)", f"{key.n_init} ({cache.model.n_starts(key)} k-means++ starts per k)"),
        (
            "Rows with a missing feature",
            "filled with the median" if key.missing == "median" else "left out",
        ),
        ("Column per cluster", data.label(settings.value_column)),
    ]
    if key.split:
        rows.append(("Train/test split", "fitted on two thirds, the rest assigned"))
    return tuple(rows)


def download_report(view: ModelView, names: Sequence[str], sweep: SweepResult | None) -> None:
    """Offer the view at k as one HTML file: settings, map, charts, profiles, portraits.

    Parameters
    ----------
    view : ModelView
        The page's data, settings and model.
    names : sequence of str
        The clusters' names, as the page shows them.
    sweep : SweepResult or None
        The scored sweep; None while its scores are computed (the report then shows the
        inertia alone and says so).
    """
    data, key, settings = view.dataset, view.key, view.settings
    k, value_column = settings.n_clusters, settings.value_column
    named = tuple(names)
    labels = cache.model.row_labels(key, k).labels
    longitude = cache.data.column_values(key.source, "longitude")
    latitude = cache.data.column_values(key.source, "latitude")
    scored = None
    if cache.classification.profile_columns(key, value_column):
        scored = cache.classification.scores(key, k, value_column)
    profile = cache.views.profile(key, k, value_column)
    feature_labels = [_with_unit(data, name) for name in key.features]
    value_label = _with_unit(data, value_column)
    elbow = (
        cache.views.elbow_figure(key, k)
        if sweep is not None
        else cache.views.inertia_figure(key, k)
    )
    box = cache.views.box_figure(key, k, value_column, named)
    settings_rows = _settings(view, int((labels >= 0).sum()))
    column_labels = {name: data.label(name) for name in data.numeric_columns}

    def build() -> bytes:
        created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        content = figures.ReportContent(
            title=data.name,
            settings=settings_rows,
            version=app_version(),
            created=created,
            cluster_map=figures.cluster_scatter(longitude, latitude, labels, named),
            portraits=figures.pen_portraits(labels, named, scored, column_labels),
            elbow=elbow,
            elbow_note=sweep.suggestion.message if sweep is not None else PENDING_NOTE,
            box=box,
            box_title=f"{data.label(value_column)} per cluster",
            profile=figures.profile_table(profile, named, feature_labels, value_label),
            index_heatmap=None if scored is None else index_heatmap(scored, named),
            index_note=" ".join(scored.explanations.values()) if scored is not None else "",
        )
        return figures.report_html(content).encode("utf-8")

    st.download_button(
        "Download the report (HTML)",
        data=build,
        file_name=f"{download_stem(data.name)}_k{k}_report.html",
        mime="text/html",
        on_click="ignore",
        key="download_report",
        help="One HTML file of this view (settings, map, charts, profiles and a portrait of "
        "each cluster) that opens with no network and prints to PDF.",
    )
