"""The cluster map's points are served once as level-of-detail tiles; a k change recolours.

With ``server.enableStaticServing`` the Clusters page writes the map's points (merged
into cells per zoom, each with its majority cluster at every k) as tiles under
``static/lod/<sha>/``; the deck's TileLayer names their URL, and a k change sends a new
colour rule that reads another property of the same features. So the browser fetches
each tile of the view once and never again while k moves, yet the points change colour.
Colours are read from screenshots of the map: a point is drawn in its cluster's palette
colour at alpha 190/255 over the blank (offline) base map, i.e. on the line from white to
that colour, and each such pixel is given to the nearest palette colour.
"""

from __future__ import annotations

import io
import re
import time
import urllib.parse

import app_page as ui
import harness
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, Request, expect

from components.figures.palette import PALETTE, hex_to_rgb

pytestmark = pytest.mark.e2e

STATIC_PATH_PREFIX = "/app/static/"
MAP_FILE_PATH = re.compile(r"^/app/static/maps/[0-9a-f]{24}\.json$")
# A model's folder: "m" and 23 hex digits of its key's hash (components/ui/cache/views.py).
LOD_TILE_PATH = re.compile(r"^/app/static/lod/m[0-9a-f]{23}/\d+/\d+/\d+\.json$")
OUTLINE_PATH_PREFIX = "/app/static/outline/"
K_VALUES = tuple(range(2, 16))  # the rows carry the cluster id of each of these k's
N_ROWS = 20_640  # block groups of the housing data (none has a missing feature)

# A pixel is a point of colour c when it lies within PIXEL_TOLERANCE RGB units of the
# line from white to c, between SHARE_RANGE of the way: one point at alpha 190/255 is
# 75% of the way, two overlapping 93%. Full-colour pixels (the centroid dots), faint
# anti-aliased edges and most blends of two colours are left out; a pixel near several
# lines goes to the nearest.
PIXEL_TOLERANCE = 8.0
SHARE_RANGE = (0.6, 0.95)
# The rows have arrived and are drawn when the k colours have this many point pixels
# together (about 8,000 at k = 5; the centroid dots' anti-aliased rims give a few hundred).
DRAWN_PIXELS = 3_000
# A cluster's colour is shown when hundreds of point pixels have it; its centroid dot
# alone gives 30 to 70 (the dot's anti-aliased rim and digit) ...
SHOWN_PIXELS = 200
# ... and absent when only a few stray blends of other colours come near it.
ABSENT_PIXELS = 40
MAP_DRAW_TIMEOUT_MS = 20_000

_WHITE = np.array([255.0, 255.0, 255.0])
_DIRECTIONS = np.array([hex_to_rgb(colour) for colour in PALETTE], dtype=float) - _WHITE


def point_pixels_by_colour(png: bytes) -> tuple[int, ...]:
    """Count the map's point pixels per palette colour (index i: ``PALETTE[i]``).

    Parameters
    ----------
    png : bytes
        A screenshot of the map.

    Returns
    -------
    tuple of int
        One count per palette colour.
    """
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float).reshape(-1, 3)
    offsets = pixels[(pixels < 235).any(axis=1)] - _WHITE
    shares = offsets @ _DIRECTIONS.T / (_DIRECTIONS**2).sum(axis=1)
    on_line = shares[:, :, None] * _DIRECTIONS[None, :, :]
    residuals = np.linalg.norm(offsets[:, None, :] - on_line, axis=2)
    residuals[(shares <= SHARE_RANGE[0]) | (shares >= SHARE_RANGE[1])] = np.inf
    nearest = residuals.argmin(axis=1)
    matched = residuals[np.arange(len(nearest)), nearest] < PIXEL_TOLERANCE
    return tuple(np.bincount(nearest[matched], minlength=len(PALETTE)).tolist())


def map_screenshot(page: Page) -> bytes:
    """A PNG of the map chart as drawn now."""
    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.scroll_into_view_if_needed()
    return chart.screenshot(animations="disabled")


def wait_for_map_colours(
    page: Page, k: int, shown: tuple[int, ...] = (), absent: tuple[int, ...] = ()
) -> tuple[int, ...]:
    """Poll screenshots of the map until it shows the points in the colours expected.

    deck.gl loads the rows and redraws a few frames after the script run ends, so the
    map is read again (bounded) until its points are drawn in the first ``k`` colours
    (``DRAWN_PIXELS`` together), the clusters ``shown`` have ``SHOWN_PIXELS`` each and
    the clusters ``absent`` fewer than ``ABSENT_PIXELS``; the last counts go into the
    failure message.

    Returns
    -------
    tuple of int
        Point pixels per palette colour of the screenshot that matched.
    """
    deadline = time.monotonic() + MAP_DRAW_TIMEOUT_MS / 1000
    while True:
        counts = point_pixels_by_colour(map_screenshot(page))
        if (
            sum(counts[:k]) >= DRAWN_PIXELS
            and all(counts[i] >= SHOWN_PIXELS for i in shown)
            and all(counts[i] < ABSENT_PIXELS for i in absent)
        ):
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(
                f"After {MAP_DRAW_TIMEOUT_MS} ms the map has these point pixels per palette "
                f"colour: {counts}; expected >= {DRAWN_PIXELS} in the first {k} together, "
                f">= {SHOWN_PIXELS} for clusters {shown} and < {ABSENT_PIXELS} for clusters "
                f"{absent}."
            )
        page.wait_for_timeout(200)


def static_requests_of(page: Page) -> list[Request]:
    """Every request the page makes to Streamlit's static folder from now on (a live list).

    A refetch cannot hide in the HTTP cache: the test context routes https requests
    (``harness.new_offline_context``), and Playwright turns the browser's cache off
    while it intercepts requests, so every fetch goes to the server. (Without routes,
    Chromium fires a "request" event for a response from its cache as well.)
    """
    requests: list[Request] = []

    def record(request: Request) -> None:
        if urllib.parse.urlsplit(request.url).path.startswith(STATIC_PATH_PREFIX):
            requests.append(request)

    page.on("request", record)
    return requests


def test_map_tiles_are_fetched_once_and_not_again_when_k_changes(page: Page, base_url: str) -> None:
    requests = static_requests_of(page)
    ui.open_clusters(page, base_url)
    wait_for_map_colours(page, ui.DEFAULT_K)

    def tile_requests() -> list[Request]:
        return [r for r in requests if LOD_TILE_PATH.match(urllib.parse.urlsplit(r.url).path)]

    paths = [urllib.parse.urlsplit(request.url).path for request in requests]
    # The points come as level-of-detail tiles of the view's zoom, each fetched once; the
    # base map's style once; no file of every row.
    tiles = tile_requests()
    assert tiles, f"the page requested {paths} from the static folder"
    assert len({r.url for r in tiles}) == len(tiles), "a tile was fetched twice"
    assert sum(path.endswith(".json") for path in paths if OUTLINE_PATH_PREFIX in path) == 1
    assert not [path for path in paths if MAP_FILE_PATH.match(path)], paths
    features = [
        feature
        for request in tiles
        if (response := request.response()) is not None
        for feature in response.json()
    ]
    assert features, "the view's tiles hold no point"
    for feature in features:
        properties = feature["properties"]
        # Every k's majority id and its share, and how many block groups the cell holds.
        for k in K_VALUES:
            assert properties[f"k{k}"] in range(k)
            assert 0 < properties[f"p{k}"] <= 100
        assert properties["n"] >= 1
    # Merged at the state's zoom: far fewer points than the 12,590 distinct positions.
    assert len(features) < 12_590 / 3
    assert sum(feature["properties"]["n"] for feature in features) <= N_ROWS

    for _ in range(3):
        harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    k = ui.DEFAULT_K + 3
    assert ui.slider_k(page) == k
    # The map shows k's colours (the 7th, not the 9th): deck.gl has taken the new decks.
    # Had it asked for the tiles again, the requests would be out by now; a short pause
    # leaves room for a late one.
    wait_for_map_colours(page, k, shown=(k - 2,), absent=(k,))
    page.wait_for_timeout(500)
    assert len(tile_requests()) == len(tiles), "k changes fetched tiles again"

    # Control: a fetch of a tile by the page's own script is seen by the counting.
    with page.expect_request(tiles[0].url):
        status = page.evaluate("async (url) => (await fetch(url)).status", tiles[0].url)
    assert status == 200
    assert len(tile_requests()) == len(tiles) + 1, "the page fetched a tile, no event came"


def test_k_change_recolours_the_served_points(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    k = ui.DEFAULT_K
    # Cluster k (PALETTE[5] = #D55E00) first exists at k + 1.
    wait_for_map_colours(page, k, absent=(k,))

    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    assert ui.slider_k(page) == k + 1
    wait_for_map_colours(page, k + 1, shown=(k,))


def test_deep_link_with_k_draws_its_clusters_colours(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url, "k=9")
    assert ui.slider_k(page) == 9
    # The 9th colour (PALETTE[8] = #882255) is drawn; the 10th (k = 10's) is not.
    wait_for_map_colours(page, 9, shown=(8,), absent=(9,))


def test_hovering_a_point_shows_its_cluster_at_the_current_k(page: Page, base_url: str) -> None:
    """The tooltip reads the served cell's id at the current k (and the rows it stands for)."""
    ui.open_clusters(page, base_url, "k=7")
    wait_for_map_colours(page, 7, shown=(6,))
    box = page.get_by_test_id("stDeckGlJsonChart").bounding_box()
    assert box is not None
    tooltip = page.locator(".deck-tooltip")
    text = ""
    # Sweep the pointer over the Bay Area and the Central Valley until a point is under it
    # (each move runs a picking pass, so the grid is coarse and stops at the first hit).
    for step_x in range(0, 160, 6):
        for step_y in range(0, 200, 6):
            page.mouse.move(box["x"] + 200 + step_x, box["y"] + 280 + step_y)
            if tooltip.count() and tooltip.first.is_visible():
                text = tooltip.first.inner_text().strip()
                if text:
                    break
        if text:
            break
    match = re.match(r"Cluster (\d+) \((\d+)% of the ([1-9]\d*) block groups here\)\n", text)
    assert match, f"no tooltip with a cluster found: {text!r}"
    assert int(match.group(1)) in range(7)
    assert 0 < int(match.group(2)) <= 100
    # Then the cell's mean of each value column, by its label.
    assert re.search(r"\nMedian house value \(mean\): \d[\d.]*\n", text), text


def _many_places_csv(n_rows: int) -> bytes:
    """Places around four Alpine towns, each town's places in a band of prices."""
    rng = np.random.default_rng(8)
    towns = np.array([[45.19, 5.72], [45.57, 5.92], [45.90, 6.13], [45.76, 4.84]])
    town = rng.integers(0, 4, n_rows)
    lines = ["latitude,longitude,price"] + [
        f"{lat:.5f},{lon:.5f},{price:.1f}"
        for lat, lon, price in zip(
            towns[town, 0] + rng.normal(0, 0.04, n_rows),
            towns[town, 1] + rng.normal(0, 0.04, n_rows),
            1_000 + 400 * town + rng.normal(0, 50, n_rows),
            strict=True,
        )
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_a_big_places_file_is_drawn_as_merged_cells_recoloured_by_k(
    page: Page, base_url: str
) -> None:
    n_rows = 30_000
    requests = static_requests_of(page)
    # Uploaded on the Data page, the file is the data of the Clusters page.
    ui.upload_on_data_page(page, base_url, "many.csv", _many_places_csv(n_rows))
    ui.go_to(page, "Clusters")
    expect(page.get_by_text(f"K-means groups the {n_rows:,} places of many.csv")).to_be_visible()
    ui.wait_for_charts(page)
    ui.wait_for_scores(page)
    k = ui.slider_k(page)
    wait_for_map_colours(page, k)

    def tile_requests() -> list[Request]:
        return [r for r in requests if LOD_TILE_PATH.match(urllib.parse.urlsplit(r.url).path)]

    tiles = tile_requests()
    assert tiles, "no level-of-detail tile was fetched for the places map"
    features = [
        feature
        for request in tiles
        if (response := request.response()) is not None
        for feature in response.json()
    ]
    # Merged: fewer dots than places, each with its count; no place counted twice.
    assert 0 < len(features) < n_rows / 3
    assert sum(feature["properties"]["n"] for feature in features) <= n_rows
    # A k change recolours the same tiles: nothing is fetched again.
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    assert ui.slider_k(page) == k + 1
    wait_for_map_colours(page, k + 1, shown=(k,))  # the new cluster's colour is drawn
    page.wait_for_timeout(500)
    assert len(tile_requests()) == len(tiles), "a k change fetched tiles again"
    assert page.get_by_test_id("stException").count() == 0
