"""What the tests and the browser benchmark read from, and do to, the geocluster pages.

Locators follow what a user sees (roles and labels) where Streamlit exposes them, and the
widget keys of ``components/ui/widgets.py`` / ``pages/*.py`` (``.st-key-<key>``) otherwise. Chart
contents are read from the rendered DOM (plotly's SVG, the data grid's accessible table)
and, for values plotly does not put in the DOM as text, from the chart's own ``data`` /
``layout`` on its graph div.
"""

from __future__ import annotations

import io
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import harness
import numpy as np
from PIL import Image
from playwright.sync_api import Locator, Page, expect

K_LABEL = "Number of clusters k"
FEATURES_LABEL = "Features to cluster on"
SCALER_LABEL = "Scaling"
BOX_FEATURE_LABEL = "Column per cluster"
DEFAULT_K = 5
DEFAULT_FEATURE_LABELS = ("Latitude", "Longitude", "Median house value")
DOWNLOAD_ROWS_LABEL = "Download the rows with their cluster (CSV)"
DOWNLOAD_PROFILES_LABEL = "Download the cluster profiles (CSV)"
CLUSTERS_TITLE = "Clusters"
EXPLORE_TITLE = "The data before clustering"

BOX_PLOT = ".st-key-box_plot"
ELBOW_CHART = ".st-key-elbow_chart"
LEGEND_HEADING = re.compile(r"^k = \d+$")

# Everything the "Clusters page is drawn for k" condition checks, evaluated in the page
# so that the benchmark can time it per animation frame. Returns performance.now() when
# the page is idle (script finished, connected, no skeleton) and shows k boxes and a
# legend of k rows; else false.
# Tracks the cluster map's row files (served by URL): how many fetches are in flight, how
# many fetched files deck.gl has not parsed yet (its JSON loader calls JSON.parse on the
# text), and how many animation frames have passed since the last parse, so "drawn" can
# wait until the rows a change asked for are on the map. Install with add_init_script.
MAP_ROWS_TRACKER_JS = """
(() => {
  const rows = {inFlight: 0, unparsed: 0, parses: 0, framesSinceParse: 1e9};
  window.__mapRows = rows;
  const urlOf = (input) => String(input && input.url ? input.url : input);
  const isMapRows = (input) => urlOf(input).includes("app/static/maps/");
  // A level-of-detail tile (small, parsed by loaders.gl): counted as parsed when its
  // fetch settles; the drawn check then waits two frames for deck.gl to draw it.
  const isTile = (input) => urlOf(input).includes("app/static/lod/");
  const originalFetch = window.fetch;
  window.fetch = function (input, init) {
    if (isTile(input)) {
      rows.inFlight += 1;
      return originalFetch.apply(this, arguments).finally(() => {
        rows.inFlight -= 1;
        rows.parses += 1;
        rows.framesSinceParse = 0;
      });
    }
    if (!isMapRows(input)) return originalFetch.apply(this, arguments);
    rows.inFlight += 1;
    rows.unparsed += 1;
    return originalFetch.apply(this, arguments).finally(() => { rows.inFlight -= 1; });
  };
  const originalParse = JSON.parse;
  JSON.parse = function (text) {
    const value = originalParse.apply(this, arguments);
    if (rows.unparsed > 0 && typeof text === "string" && text.length > 20000
        && text.startsWith("[[")) {
      rows.unparsed -= 1;
      rows.parses += 1;
      rows.framesSinceParse = 0;
    }
    return value;
  };
  const tick = () => { rows.framesSinceParse += 1; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})();
"""

DRAWN_FOR_K_JS = """
([runsBefore, k, parsesBefore]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || !window.__e2eRuns || window.__e2eRuns.finished <= runsBefore) return false;
  // With MAP_ROWS_TRACKER_JS installed: the map's new rows are loaded, parsed and drawn
  // (deck.gl draws on the frame after the parse; two frames leave room for it). When
  // the change must bring new rows (parsesBefore given), at least one more parse is
  // needed, so a fetch deck.gl has not started yet is not missed.
  const rows = window.__mapRows;
  if (rows && (rows.inFlight > 0 || rows.unparsed > 0 || rows.framesSinceParse < 2)) {
    return false;
  }
  if (rows && parsesBefore != null && rows.parses <= parsesBefore) return false;
  if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  if (!document.querySelector('[data-testid="stDeckGlJsonChart"] canvas')) return false;
  const boxes = document.querySelectorAll('.st-key-box_plot g.trace.boxes').length;
  if (boxes !== k) return false;
  const heading = [...document.querySelectorAll('h3')].find(
    (h) => h.textContent.trim() === `k = ${k}`);
  if (!heading) return false;
  const legendRows = heading.closest('[data-testid="stColumn"]')
    ?.querySelectorAll('[data-testid="stTable"] tbody tr');
  if (!legendRows || legendRows.length !== k) return false;
  return performance.now();
}
"""


@dataclass(frozen=True)
class ElbowState:
    """What the elbow chart shows."""

    k_values: tuple[int, ...]
    inertia: tuple[float, ...]
    silhouette: tuple[float, ...]
    ring_k: tuple[int, ...]  # x of the "current k" rings (one per panel)
    current_line_k: tuple[float, ...]  # x of the vertical line(s) named "current k"


def open_clusters(page: Page, base_url: str, query: str = "") -> None:
    """Open the Clusters page (optionally with a query string) and wait until it is drawn."""
    url = base_url + "/" + (f"?{query}" if query else "")
    harness.goto_and_wait(page, url)
    expect(page_title(page)).to_have_text(CLUSTERS_TITLE)
    wait_for_charts(page)
    wait_for_scores(page)


def page_title(page: Page) -> Locator:
    """The page's title (its one level-1 heading)."""
    return page.get_by_test_id("stMain").get_by_role("heading", level=1)


# Shown under the inertia curve while the sweep's scores are computed in the background.
SCORING_NOTE = "in the background"


def wait_for_scores(page: Page) -> None:
    """Wait until the sweep's scores are drawn and the page stops polling for them.

    Until then a fragment reruns every half second; a test's action must not mistake one
    of those runs for the rerun it caused.
    """
    expect(page.get_by_text(SCORING_NOTE)).to_have_count(0, timeout=harness.RUN_TIMEOUT_MS)
    harness.wait_for_idle(page)


def wait_for_charts(page: Page) -> None:
    """Wait until the map canvas and both plotly charts of the Clusters page are drawn."""
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_attached()
    expect(page.locator(f"{ELBOW_CHART} .js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.locator(f"{BOX_PLOT} .js-plotly-plot .main-svg").first).to_be_visible()


def k_slider(page: Page) -> Locator:
    """The thumb of the k slider (role slider)."""
    return page.get_by_role("slider", name=K_LABEL)


def slider_k(page: Page) -> int:
    """The k the slider shows."""
    return int(float(k_slider(page).input_value()))


def press_k_key(page: Page, key: str = "ArrowRight") -> None:
    """Focus the k slider's thumb and press ``key`` (no wait)."""
    k_slider(page).focus()
    page.keyboard.press(key)


def box_count(page: Page) -> int:
    """Number of boxes drawn in the box plot (one plotly box trace per cluster)."""
    return page.locator(f"{BOX_PLOT} g.trace.boxes").count()


def box_axis_title(page: Page) -> str:
    """The box plot's y-axis title as drawn."""
    return page.locator(f"{BOX_PLOT} .g-ytitle").text_content() or ""


def box_category_labels(page: Page) -> list[str]:
    """The x-axis labels' first lines in the box plot (one per cluster; its name follows)."""
    return page.locator(f"{BOX_PLOT} .xtick text").evaluate_all(
        "(texts) => texts.map((text) => (text.querySelector('tspan.line') || text).textContent)"
    )


def legend_table(page: Page) -> Locator:
    """The legend: the static table in the column headed "k = N"."""
    column = page.get_by_test_id("stColumn").filter(
        has=page.get_by_role("heading", name=LEGEND_HEADING)
    )
    return column.get_by_test_id("stTable")


def legend_heading(page: Page) -> str:
    """The legend's heading, e.g. "k = 5"."""
    return page.get_by_role("heading", name=LEGEND_HEADING).inner_text().strip()


def legend_rows(page: Page) -> Locator:
    """The legend's rows (the header row not included)."""
    return legend_table(page).locator("tbody tr")


def legend_row_count(page: Page) -> int:
    """Rows of the legend."""
    return legend_rows(page).count()


def legend_column(page: Page, column: int) -> list[str]:
    """The text of one column of the legend's rows, top down (0: the cluster, 1: its name)."""
    return [
        text.strip()
        for text in legend_rows(page).locator(f"td:nth-child({column + 1})").all_inner_texts()
    ]


def legend_clusters(page: Page) -> list[str]:
    """The cluster column of the legend, top down."""
    return legend_column(page, 0)


def elbow_state(page: Page) -> ElbowState:
    """Read the elbow chart's curves and current-k marks, once the scores are drawn."""
    wait_for_scores(page)
    raw = page.locator(f"{ELBOW_CHART} .js-plotly-plot").evaluate(
        """(gd) => ({
            data: gd.data.map((t) => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)})),
            shapes: (gd.layout.shapes || []).map((s) => ({x: s.x0, name: s.name || ""})),
        })"""
    )
    traces = {trace["name"]: trace for trace in raw["data"]}
    inertia = traces["Inertia"]
    silhouette = next(t for t in raw["data"] if t["name"].startswith("Silhouette"))
    rings = [t for t in raw["data"] if t["name"].startswith("current k")]
    return ElbowState(
        k_values=tuple(int(x) for x in inertia["x"]),
        inertia=tuple(float(y) for y in inertia["y"]),
        silhouette=tuple(float(y) for y in silhouette["y"]),
        ring_k=tuple(int(t["x"][0]) for t in rings),
        current_line_k=tuple(float(s["x"]) for s in raw["shapes"] if s["name"] == "current k"),
    )


def click_elbow_point(page: Page, k: int) -> None:
    """Click the marker of ``k`` on the inertia curve (the chart's first trace)."""
    points = page.locator(f"{ELBOW_CHART} g.trace.scatter").first.locator("path.point")
    state = elbow_state(page)
    point = points.nth(state.k_values.index(k))
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None, f"The marker of k={k} on the elbow chart is not drawn."
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def query_params(page: Page) -> dict[str, str]:
    """The page URL's query string (last value of each name)."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def selected_features(page: Page) -> list[str]:
    """Labels of the chosen features (the multiselect's tags)."""
    tags = page.get_by_test_id("stMultiSelect").filter(has_text=FEATURES_LABEL)
    return tags.locator("[data-tag] [title]").all_inner_texts()


def add_feature(page: Page, label: str) -> None:
    """Type ``label`` into the features multiselect and pick it (no wait for the rerun)."""
    pick_from_combobox(page, FEATURES_LABEL, label)


def remove_feature(page: Page, label: str) -> None:
    """Remove the tag ``label`` from the features (no wait for the rerun)."""
    page.get_by_role("button", name=f"Remove {label}", exact=True).click()


def choose_option(page: Page, combobox_label: str, option_label: str) -> None:
    """Pick ``option_label`` in the selectbox ``combobox_label`` (no wait for the rerun)."""
    pick_from_combobox(page, combobox_label, option_label)


def pick_from_combobox(page: Page, combobox_label: str, option_label: str) -> None:
    """Type into a select's combobox so only matching options show, then click the option.

    Typing opens the list and filters it; a plain click on the box may toggle a list
    that is still re-rendering after a rerun.
    """
    combobox = page.get_by_role("combobox", name=combobox_label)
    combobox.click()
    combobox.fill(option_label)
    page.get_by_role("option", name=option_label, exact=True).click()


def selectbox_value(page: Page, label: str) -> str:
    """The option a selectbox shows."""
    return page.get_by_role("combobox", name=label).input_value()


def close_dropdowns(page: Page) -> None:
    """Close an open dropdown (Escape) so it does not cover the page."""
    page.keyboard.press("Escape")


@dataclass(frozen=True)
class MapColourCounts:
    """Pixels of the map by what colour they are drawn in."""

    drawn: int  # pixels that are not (near) white background
    blackish: int  # drawn pixels with every channel below 60
    points_by_cluster: tuple[int, ...]  # pixels of a lightened (semi-transparent) palette colour


def map_colour_counts(page: Page, n_clusters: int) -> MapColourCounts:
    """Classify the map's pixels by cluster colour (from a screenshot of the map).

    A pixel counts for cluster i when it lies on the line from white to ``PALETTE[i]``
    (within 18 RGB units) between 40% and 95% of the way: a point drawn with alpha over
    the blank base map. Full-colour pixels (the centroid dots) are left out.
    """
    from components.figures.palette import PALETTE, hex_to_rgb

    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.scroll_into_view_if_needed()
    png = chart.screenshot(animations="disabled")
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float).reshape(-1, 3)
    drawn = pixels[(pixels < 235).any(axis=1)]
    white = np.array([255.0, 255.0, 255.0])
    by_cluster = []
    for colour in PALETTE[:n_clusters]:
        direction = np.array(hex_to_rgb(colour), dtype=float) - white
        share = ((drawn - white) @ direction) / (direction @ direction)
        residual = np.linalg.norm(drawn - (white + share[:, None] * direction), axis=1)
        by_cluster.append(int(((residual < 18) & (share > 0.4) & (share < 0.95)).sum()))
    return MapColourCounts(
        drawn=len(drawn),
        blackish=int((drawn.max(axis=1) < 60).sum()),
        points_by_cluster=tuple(by_cluster),
    )


def full_page_screenshot(page: Page, path: str, *, width: int = 1400) -> bytes:
    """Screenshot the whole app (Streamlit scrolls inside stMain, not the document).

    The viewport is stretched to the main area's height for the shot and restored
    after. Charts re-layout and WebGL maps redraw after a resize, so the height and then
    the picture are polled (bounded) until two in a row agree.
    """
    original = page.viewport_size or harness.VIEWPORT
    main = page.get_by_test_id("stMain")
    height = 0
    for _ in range(20):  # bounded polling until the content height settles
        new_height = int(main.evaluate("(element) => element.scrollHeight"))
        if new_height == height:
            break
        height = new_height
        page.set_viewport_size({"width": width, "height": max(height, original["height"])})
        page.wait_for_timeout(150)
    try:
        shot = page.screenshot(animations="disabled")
        for _ in range(8):  # bounded polling until the picture settles
            page.wait_for_timeout(400)
            again = page.screenshot(animations="disabled")
            if again == shot:
                break
            shot = again
        Path(path).write_bytes(shot)
        return shot
    finally:
        page.set_viewport_size(original)


def upload_file(page: Page, name: str, content: bytes, mime: str = "text/csv") -> None:
    """Give the page's (first) file uploader a file, as a user's file picker does, and wait."""
    uploader = page.get_by_test_id("stFileUploader").first.locator('input[type="file"]')
    harness.act_and_wait(
        page,
        lambda: uploader.set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": content}]
        ),
        timeout_ms=harness.LOAD_TIMEOUT_MS,
    )


# ------------------------------------------------------------------- the Data page

DATA_PAGE_PATH = "data"
DATA_TITLE = "Data"
# The sidebar's data switch (shown on every page while the session holds a file).
DATA_SWITCH_LABEL = "Data"
HOUSING_OPTION = "California housing (demo)"


def open_data_page(page: Page, base_url: str) -> None:
    """Open the Data page (a fresh session when the page is new) and wait for its run."""
    harness.goto_and_wait(page, f"{base_url}/{DATA_PAGE_PATH}")
    expect(page_title(page)).to_have_text(DATA_TITLE)


def upload_on_data_page(
    page: Page, base_url: str, name: str, content: bytes, mime: str = "text/csv"
) -> None:
    """Open the Data page and upload a file there: it becomes every page's data."""
    open_data_page(page, base_url)
    upload_file(page, name, content, mime)


def go_to(page: Page, label: str) -> None:
    """Open a page from the sidebar menu (same session) and wait for its run."""
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)
    harness.act_and_wait(page, link.click, timeout_ms=harness.LOAD_TIMEOUT_MS)


def file_option(name: str) -> str:
    """The sidebar data switch's label of a held file."""
    return f"Your file: {name}"


def data_switch(page: Page) -> Locator:
    """The sidebar's radio group that switches between the demo and the held file."""
    return page.get_by_test_id("stSidebar").get_by_role("radiogroup", name=DATA_SWITCH_LABEL)
