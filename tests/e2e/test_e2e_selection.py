"""Select places on the map in a real browser: drag a box, read the table, download, clear."""

from __future__ import annotations

import re
from pathlib import Path

import app_page as ui
import harness
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SELECTION_MAP = ".st-key-selection_map"
SELECTION_SWITCH = ".st-key-selection_open"
SELECTION_RESULT = ".st-key-selection_result"
DOWNLOAD_CSV_LABEL = "Download the selected places (CSV)"
SELECTED = re.compile(r"([\d,]+) block groups selected")


def _drag_box(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag on the selection map's plot area from ``start`` to ``end`` (fractions of it)."""
    area = page.locator(f"{SELECTION_MAP} .nsewdrag").first
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    assert box is not None, "The selection map's plot area is not drawn."

    def at(fraction: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + fraction[0] * box["width"], box["y"] + fraction[1] * box["height"]

    page.mouse.move(*at(start))
    page.mouse.down()
    page.mouse.move(*at(end), steps=12)
    page.mouse.up()


def test_a_box_selects_places_into_a_table_a_download_and_a_double_click_clears_them(
    page: Page, base_url: str, artifacts_dir: Path
) -> None:
    ui.open_clusters(page, base_url)
    # The map waits for its switch.
    expect(page.locator(SELECTION_MAP)).to_have_count(0)
    switch = page.locator(f"{SELECTION_SWITCH} label").first
    switch.scroll_into_view_if_needed()
    harness.act_and_wait(page, switch.click)
    chart = page.locator(f"{SELECTION_MAP} .js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    expect(chart.locator(".nsewdrag").first).to_be_visible()
    expect(page.locator(SELECTION_RESULT)).to_have_count(0)

    # A box over the middle of the map (California's coast runs through it).
    harness.act_and_wait(page, lambda: _drag_box(page, (0.25, 0.25), (0.75, 0.75)))
    result = page.locator(SELECTION_RESULT)
    expect(result).to_be_visible()
    match = SELECTED.search(result.inner_text())
    assert match, result.inner_text()
    n_selected = int(match.group(1).replace(",", ""))
    assert 0 < n_selected < 20_640
    grids = result.locator('[data-testid="stDataFrame"] [role="grid"]')
    expect(grids).to_have_count(2)
    # The count per cluster (one row per cluster present) and the first rows.
    n_clusters_present = int(grids.nth(0).get_attribute("aria-rowcount") or "0") - 1
    assert 1 <= n_clusters_present <= ui.DEFAULT_K
    n_rows_shown = int(grids.nth(1).get_attribute("aria-rowcount") or "0") - 1
    assert n_rows_shown == min(n_selected, 1_000)

    with page.expect_download() as download:
        page.get_by_role("button", name=DOWNLOAD_CSV_LABEL, exact=True).click()
    path = artifacts_dir / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"California_housing_1990_census_k{ui.DEFAULT_K}_selection.csv"
    rows = pd.read_csv(path)
    assert len(rows) == n_selected
    assert rows["cluster"].nunique() == n_clusters_present
    assert {"cluster", "cluster_name", "longitude", "latitude"} <= set(rows.columns)

    # A double-click on the map clears the selection, and the table with it.
    area = chart.locator(".nsewdrag").first
    harness.act_and_wait(page, lambda: area.dblclick(force=True))
    expect(page.locator(SELECTION_RESULT)).to_have_count(0)
