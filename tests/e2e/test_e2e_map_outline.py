"""Offline, the maps draw the shipped coast and border outline under their points.

The test context refuses every outside request and answers Carto's style with an empty
one, as with no network: the base map's tiles never come. The map is then read from a
screenshot: the outline is drawn in a neutral light grey (``OUTLINE_COLOUR``, blended
lighter at its anti-aliased edges), the points in saturated colours (the palette on the
Clusters page, viridis on Explore). A control run with the outline file answered empty
shows that the grey count comes from the outline and not from anything else on the map.
"""

from __future__ import annotations

import io
import time
import urllib.parse
from dataclasses import dataclass

import app_page as ui
import harness
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, Route, expect

from components.figures.outline import OFFLINE_STYLE_FILE, OUTLINE_COLOUR, empty_tile

pytestmark = pytest.mark.e2e

OUTLINE_PATH_PREFIX = "/app/static/outline/"
# A neutral pixel (channels within NEUTRAL_SPREAD of each other) between the outline's
# grey and GREY_LIGHTEST is the outline; the white background and black digits are not.
NEUTRAL_SPREAD = 6
GREY_LIGHTEST = 235
# A point is drawn in a colour whose channels differ by at least this much.
SATURATED_SPREAD = 40
# At the default view the outline gives about 15,700 grey pixels on the Clusters page and
# 6,100 on Explore, the points about 19,000 and 17,000 coloured ones; an empty canvas
# gives none of either.
OUTLINE_PIXELS = 2_000
POINT_PIXELS = 5_000
# Without the outline (the control) about 400 grey pixels remain (blends at the edges of
# the points and of the centre dots' white rims), well below this.
NO_OUTLINE_PIXELS = 1_000
MAP_DRAW_TIMEOUT_MS = 20_000
SCREENSHOT_TIMEOUT_MS = 90_000


@dataclass(frozen=True)
class MapPixels:
    """Pixels of a map screenshot: the outline's grey, and the points' colours."""

    outline: int
    points: int


def map_pixels(png: bytes) -> MapPixels:
    """Count a map screenshot's outline-grey pixels and saturated (point) pixels.

    Parameters
    ----------
    png : bytes
        A screenshot of the map.

    Returns
    -------
    MapPixels
        The two counts.
    """
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int).reshape(-1, 3)
    spread = pixels.max(axis=1) - pixels.min(axis=1)
    level = pixels.mean(axis=1)
    grey = (spread <= NEUTRAL_SPREAD) & (level >= OUTLINE_COLOUR[0] - 5) & (level < GREY_LIGHTEST)
    return MapPixels(outline=int(grey.sum()), points=int((spread >= SATURATED_SPREAD).sum()))


def map_screenshot(page: Page) -> bytes:
    """A PNG of the page's map (its only pydeck chart) as drawn now."""
    # The screenshot scrolls the map into view itself. The generous timeout: after the
    # Clusters page the server may still be computing its sweep, and chromium draws
    # WebGL in software on the same cores.
    chart = page.get_by_test_id("stDeckGlJsonChart")
    return chart.screenshot(animations="disabled", timeout=SCREENSHOT_TIMEOUT_MS)


def wait_for_map(page: Page, *, outline: bool = True) -> MapPixels:
    """Poll screenshots of the map until its points, and the outline or not, are drawn.

    deck.gl loads the served files and redraws a few frames after the script run ends,
    so the map is read again (bounded) until the counts match; the last counts go into
    the failure message.
    """
    deadline = time.monotonic() + MAP_DRAW_TIMEOUT_MS / 1000
    while True:
        counts = map_pixels(map_screenshot(page))
        outline_ok = (
            counts.outline >= OUTLINE_PIXELS if outline else counts.outline < NO_OUTLINE_PIXELS
        )
        if counts.points >= POINT_PIXELS and outline_ok:
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(
                f"After {MAP_DRAW_TIMEOUT_MS} ms the map has {counts.outline} outline-grey and "
                f"{counts.points} point pixels; expected >= {POINT_PIXELS} point pixels and "
                + (f">= {OUTLINE_PIXELS}" if outline else f"< {NO_OUTLINE_PIXELS}")
                + " outline pixels."
            )
        page.wait_for_timeout(200)


def test_clusters_map_draws_outline_and_points_offline(page: Page, base_url: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    ui.open_clusters(page, base_url)
    counts = wait_for_map(page)
    print(f"Clusters map: {counts}")
    # The outline comes with the base map's style: the style once, then each tile once.
    # The server has no network either, so the style leaves Carto's tiles out.
    outline_paths = [
        path
        for path in map(lambda url: urllib.parse.urlsplit(url).path, requested)
        if path.startswith(OUTLINE_PATH_PREFIX)
    ]
    assert sum(path.endswith("/" + OFFLINE_STYLE_FILE) for path in outline_paths) == 1, (
        outline_paths
    )
    assert not [url for url in requested if "cartocdn" in url], requested
    tiles = [path for path in outline_paths if path.endswith(".png")]
    assert tiles and len(tiles) == len(set(tiles)), outline_paths


def test_explore_map_draws_outline_and_points_offline(page: Page, base_url: str) -> None:
    harness.goto_and_wait(page, f"{base_url}/explore")
    expect(ui.page_title(page)).to_have_text(ui.EXPLORE_TITLE)
    counts = wait_for_map(page)
    print(f"Explore map: {counts}")


def test_without_the_outline_file_the_grey_count_drops(page: Page, base_url: str) -> None:
    """Control: the same map with every outline tile answered empty has no grey."""

    def no_tiles(route: Route) -> None:
        route.fulfill(status=200, content_type="image/png", body=empty_tile())

    page.route(f"**{OUTLINE_PATH_PREFIX}**/*.png", no_tiles)
    ui.open_clusters(page, base_url)
    counts = wait_for_map(page, outline=False)
    print(f"Clusters map without the outline: {counts}")
