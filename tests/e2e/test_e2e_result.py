"""A distributed result in chromium: the cells' map draws, and its tooltip names cluster,
share and places.

A server of its own is started with ``GEOCLUSTER_RESULT`` naming a small result folder (real
scikit-learn fits written with the app's writer, see ``tests/app/toy_result.py``); the page
fixture fails the test on any console error, so a deck.gl accessor the browser cannot parse
fails it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import app_page as ui
import harness
import pytest
from playwright.sync_api import Page, expect

from components.ui.result import RESULT_ENV_VAR
from tests.app.toy_result import N_ROWS, write_toy_result, write_toy_source

pytestmark = pytest.mark.e2e

TITLE = "Clusters of the places in a Dask result"
TOOLTIP = re.compile(r"^Cluster (\d+) \((\d+)% of the ([1-9][\d,]*) places here\)$")


@pytest.fixture(scope="module")
def result_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose Clusters and Choose k pages open a written result."""
    root = Path(tmp_path_factory.mktemp("result"))
    places = write_toy_source(root / "places")
    folder = write_toy_result(root / "result", source=str(places))
    server = harness.start_streamlit(extra_env={RESULT_ENV_VAR: str(folder)})
    try:
        yield server.url
    finally:
        harness.stop_streamlit(server)


def test_the_result_map_draws_its_cells_with_their_tooltip(page: Page, result_url: str) -> None:
    harness.goto_and_wait(page, result_url + "/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    chart = page.get_by_test_id("stDeckGlJsonChart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    tooltip = page.locator(".deck-tooltip")
    text = ""
    # Sweep the pointer over the map's middle until a cell is under it.
    for step_x in range(0, int(box["width"] * 0.6), 12):
        for step_y in range(0, int(box["height"] * 0.6), 12):
            page.mouse.move(
                box["x"] + box["width"] * 0.2 + step_x, box["y"] + box["height"] * 0.2 + step_y
            )
            if tooltip.count() and tooltip.first.is_visible():
                text = tooltip.first.inner_text().strip()
                if TOOLTIP.match(text):
                    break
        if TOOLTIP.match(text):
            break
    match = TOOLTIP.match(text)
    assert match, f"no cell's tooltip found: {text!r}"
    assert 0 < int(match.group(2)) <= 100


# Each page in the menu with a chart it draws (plotly or deck.gl), on the sample of the rows.
SAMPLE_PAGES = ("Explain clusters", "Explore", "Classify", "When k-means fails")
SAMPLE_NOTE = f"These views work on the {N_ROWS:,} places of the Dask result (read from places)"


def test_every_page_works_on_the_results_rows(page: Page, result_url: str) -> None:
    harness.goto_and_wait(page, result_url + "/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    # Clusters: every view on the rows instead of the result's own clusters.
    choice = page.get_by_role("radiogroup", name="Show")
    harness.act_and_wait(
        page, lambda: choice.get_by_text("Every view, on a random sample of its places").click()
    )
    expect(ui.page_title(page)).to_have_text("Clusters")
    expect(page.get_by_text(SAMPLE_NOTE)).to_be_visible()
    ui.wait_for_charts(page)
    for label in SAMPLE_PAGES:
        ui.go_to(page, label)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text(SAMPLE_NOTE)).to_be_visible()
        charts = main.locator('[data-testid="stPlotlyChart"], [data-testid="stDeckGlJsonChart"]')
        expect(charts.first).to_be_visible()
        assert not main.get_by_test_id("stException").count(), label
