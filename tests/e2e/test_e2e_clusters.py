"""The Clusters page in a real browser: what the analyst sees after each interaction."""

from __future__ import annotations

from pathlib import Path

import app_page as ui
import harness
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def assert_drawn_for_k(page: Page, k: int) -> None:
    """Slider, boxes, box labels, legend and elbow marks all show ``k``.

    Charts and the grid redraw a little after the script run ends, so every check
    retries (bounded).
    """
    assert ui.slider_k(page) == k
    expect(page.locator(f"{ui.BOX_PLOT} g.trace.boxes")).to_have_count(k)
    harness.wait_until(
        page,
        lambda: ui.box_category_labels(page),
        [f"Cluster {i}" for i in range(k)],
        what="box plot categories",
    )
    expect(page.get_by_role("heading", name=f"k = {k}", exact=True)).to_be_visible()
    expect(ui.legend_rows(page)).to_have_count(k)
    shown = ui.legend_clusters(page)
    assert len(shown) >= min(k, 5)
    assert shown == [str(i) for i in range(len(shown))]
    harness.wait_until(
        page, lambda: ui.elbow_state(page).ring_k, (k, k), what="elbow rings (per panel)"
    )
    assert ui.elbow_state(page).current_line_k == (k,)
    harness.wait_until(page, lambda: ui.query_params(page).get("k"), str(k), what="URL k")


def test_page_loads_with_map_charts_and_legend(
    page: Page, base_url: str, artifacts_dir: Path
) -> None:
    ui.open_clusters(page, base_url)
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2)  # elbow, box; selection map off
    assert_drawn_for_k(page, ui.DEFAULT_K)
    assert ui.selected_features(page) == list(ui.DEFAULT_FEATURE_LABELS)
    assert ui.selectbox_value(page, ui.SCALER_LABEL) == "Standard (z-score per feature)"
    elbow = ui.elbow_state(page)
    assert elbow.k_values == tuple(range(2, 16))
    # Inertia falls as k grows; the silhouette is a proper [-1, 1] score.
    assert all(a > b for a, b in zip(elbow.inertia, elbow.inertia[1:], strict=False))
    assert all(-1.0 <= s <= 1.0 for s in elbow.silhouette)
    assert ui.box_axis_title(page) == "Median house value"
    for label in (ui.DOWNLOAD_ROWS_LABEL, ui.DOWNLOAD_PROFILES_LABEL):
        expect(page.get_by_role("button", name=label, exact=True)).to_be_visible()

    # The map draws each point in its cluster's colour. Points are semi-transparent
    # (lighter than the palette colour); the full-colour centroid dots are not counted,
    # so black points with coloured centroids fail.
    counts = ui.map_colour_counts(page, ui.DEFAULT_K)
    for cluster, n_pixels in enumerate(counts.points_by_cluster):
        assert n_pixels >= 100, f"cluster {cluster}: {n_pixels} point pixels in its colour"
    assert counts.blackish <= 0.05 * counts.drawn, (
        f"{counts.blackish} of {counts.drawn} drawn map pixels are black"
    )
    ui.full_page_screenshot(page, str(artifacts_dir / "clusters.png"))


def test_k_slider_keyboard_redraws_boxes_legend_and_elbow(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    assert_drawn_for_k(page, ui.DEFAULT_K + 1)
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowLeft"))
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowLeft"))
    assert_drawn_for_k(page, ui.DEFAULT_K - 1)
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "End"))
    assert_drawn_for_k(page, 15)


def test_clicking_a_k_on_the_elbow_chart_sets_the_slider(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    harness.act_and_wait(page, lambda: ui.click_elbow_point(page, 8))
    assert_drawn_for_k(page, 8)
    harness.act_and_wait(page, lambda: ui.click_elbow_point(page, 3))
    assert_drawn_for_k(page, 3)


def test_feature_scaler_and_value_column_changes(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    before = ui.elbow_state(page)

    harness.act_and_wait(page, lambda: ui.add_feature(page, "Median income"))
    ui.close_dropdowns(page)
    assert ui.selected_features(page) == [*ui.DEFAULT_FEATURE_LABELS, "Median income"]
    assert ui.query_params(page)["features"] == (
        "latitude,longitude,median_house_value,median_income"
    )
    with_income = ui.elbow_state(page)
    # A fourth standardised feature adds variance: every k's inertia goes up.
    assert all(a > b for a, b in zip(with_income.inertia, before.inertia, strict=True))
    assert_drawn_for_k(page, ui.DEFAULT_K)

    harness.act_and_wait(
        page, lambda: ui.choose_option(page, ui.SCALER_LABEL, "Min-max (each feature to 0..1)")
    )
    assert ui.selectbox_value(page, ui.SCALER_LABEL) == "Min-max (each feature to 0..1)"
    assert ui.query_params(page)["scaler"] == "minmax"
    minmax = ui.elbow_state(page)
    # Features squeezed into [0, 1] have far less spread than z-scores.
    assert max(minmax.inertia) < min(with_income.inertia)
    assert_drawn_for_k(page, ui.DEFAULT_K)

    harness.act_and_wait(page, lambda: ui.remove_feature(page, "Median income"))
    assert ui.selected_features(page) == list(ui.DEFAULT_FEATURE_LABELS)
    assert ui.query_params(page)["features"] == "latitude,longitude,median_house_value"
    assert_drawn_for_k(page, ui.DEFAULT_K)

    harness.act_and_wait(
        page, lambda: ui.choose_option(page, ui.BOX_FEATURE_LABEL, "Median income")
    )
    expect(page.locator(f"{ui.BOX_PLOT} .g-ytitle")).to_have_text("Median income")
    assert ui.query_params(page)["value"] == "median_income"
    assert_drawn_for_k(page, ui.DEFAULT_K)


def test_shared_url_reproduces_the_view(page: Page, base_url: str, context) -> None:
    ui.open_clusters(page, base_url)
    harness.act_and_wait(page, lambda: ui.add_feature(page, "Median income"))
    ui.close_dropdowns(page)
    harness.act_and_wait(
        page, lambda: ui.choose_option(page, ui.SCALER_LABEL, "Robust (median and IQR per feature)")
    )
    harness.act_and_wait(page, lambda: ui.click_elbow_point(page, 7))
    harness.act_and_wait(
        page, lambda: ui.choose_option(page, ui.BOX_FEATURE_LABEL, "Median income")
    )
    shared_url = page.url
    expected = ui.elbow_state(page)
    assert ui.query_params(page)["k"] == "7"

    other = context.new_page()
    harness.install_run_counter(other)
    try:
        harness.goto_and_wait(other, shared_url)
        ui.wait_for_charts(other)
        assert_drawn_for_k(other, 7)
        assert ui.selected_features(other) == [*ui.DEFAULT_FEATURE_LABELS, "Median income"]
        assert ui.selectbox_value(other, ui.SCALER_LABEL) == "Robust (median and IQR per feature)"
        assert ui.selectbox_value(other, ui.BOX_FEATURE_LABEL) == "Median income"
        assert ui.elbow_state(other) == expected
        assert ui.query_params(other) == ui.query_params(page)
        expect(other.get_by_test_id("stAlertContentWarning")).to_have_count(0)
    finally:
        other.close()


def test_bad_url_parameters_show_notices_and_the_page_works(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url, "k=abc&features=latitude,bogus,longitude&scaler=zscore")
    warning = page.get_by_test_id("stAlertContentWarning")
    expect(warning).to_have_count(3)
    expect(warning.nth(0)).to_contain_text("k='abc'")
    expect(warning.nth(0)).to_contain_text("[2, 15]")
    expect(warning.nth(1)).to_contain_text("'bogus'")
    expect(warning.nth(2)).to_contain_text("scaler='zscore'")
    # The valid parts of the link are used, the rest falls back to the defaults.
    assert_drawn_for_k(page, ui.DEFAULT_K)
    assert ui.selected_features(page) == ["Latitude", "Longitude"]
    assert ui.selectbox_value(page, ui.SCALER_LABEL) == "Standard (z-score per feature)"
    # The page still works, and the notice goes once the user changes a setting.
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    assert_drawn_for_k(page, ui.DEFAULT_K + 1)
    expect(warning).to_have_count(0)


def test_navigating_to_explore_and_back_keeps_the_settings(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    harness.act_and_wait(page, lambda: ui.click_elbow_point(page, 8))
    harness.act_and_wait(page, lambda: ui.add_feature(page, "Median income"))
    ui.close_dropdowns(page)
    settings = ui.query_params(page)

    nav = page.get_by_test_id("stSidebarNav")
    harness.act_and_wait(page, lambda: nav.get_by_role("link", name="Explore", exact=True).click())
    expect(ui.page_title(page)).to_have_text(ui.EXPLORE_TITLE)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()

    harness.act_and_wait(page, lambda: nav.get_by_role("link", name="Clusters", exact=True).click())
    expect(ui.page_title(page)).to_have_text(ui.CLUSTERS_TITLE)
    ui.wait_for_charts(page)
    assert_drawn_for_k(page, 8)
    assert ui.selected_features(page) == [*ui.DEFAULT_FEATURE_LABELS, "Median income"]
    assert ui.query_params(page) == settings


# The downloads are named after the data ("California housing, 1990 census").
DOWNLOAD_STEM = "California_housing_1990_census"


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    for column in text_columns:
        risky = frame[column].dropna().astype(str).str.match(r"^[=+\-@\t\r]")
        assert not risky.any(), f"{path.name}: column {column!r} has formula-like cells"
    for name in frame.columns:
        assert not str(name).startswith(("=", "+", "-", "@")), f"formula-like header {name!r}"
    return frame


def test_downloads_are_csvs_of_the_shown_clusters(
    page: Page, base_url: str, artifacts_dir: Path
) -> None:
    ui.open_clusters(page, base_url)
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    k = ui.DEFAULT_K + 1
    assert_drawn_for_k(page, k)

    with page.expect_download() as rows_download:
        page.get_by_role("button", name=ui.DOWNLOAD_ROWS_LABEL, exact=True).click()
    rows_path = artifacts_dir / rows_download.value.suggested_filename
    rows_download.value.save_as(rows_path)
    # Named after the data and k: <data>_k<k>_rows.csv, <data>_k<k>_profiles.csv.
    assert rows_path.name == f"{DOWNLOAD_STEM}_k{k}_rows.csv"
    rows = _read_csv(rows_path)
    assert len(rows) == 20_640
    assert {"longitude", "latitude", "median_house_value", "cluster"} <= set(rows.columns)
    assert sorted(rows["cluster"].unique().tolist()) == list(range(k))

    with page.expect_download() as profiles_download:
        page.get_by_role("button", name=ui.DOWNLOAD_PROFILES_LABEL, exact=True).click()
    profiles_path = artifacts_dir / profiles_download.value.suggested_filename
    profiles_download.value.save_as(profiles_path)
    assert profiles_path.name == f"{DOWNLOAD_STEM}_k{k}_profiles.csv"
    profiles = _read_csv(profiles_path)
    assert len(profiles) == k
    assert profiles["cluster"].tolist() == list(range(k))
    # The profile's sizes are the row counts of the rows download.
    sizes = rows["cluster"].value_counts().sort_index().tolist()
    assert profiles["size"].tolist() == sizes
    assert len(profiles.columns) >= 5
