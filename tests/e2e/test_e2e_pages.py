"""Every page of the navigation in a real browser, shared settings, and the Explore page."""

from __future__ import annotations

import re
from pathlib import Path

import app_page as ui
import harness
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# (navigation label, URL path) of every page; the Clusters page is the default ("/").
PAGES = (
    ("Clusters", ""),
    ("Choose k", "choose_k"),
    ("Explain clusters", "explain"),
    ("Explore", "explore"),
    ("Classify", "classify"),
    ("When k-means fails", "kmeans_fails"),
    ("Data", "data"),
)
# Pages that draw the Clusters page's sidebar ("The k slider and the settings on the
# left apply to every page").
SHARED_SIDEBAR_PAGES = ("Clusters", "Choose k", "Explain clusters")


def _go_to(page: Page, label: str) -> None:
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)
    harness.act_and_wait(page, link.click, timeout_ms=harness.LOAD_TIMEOUT_MS)


def test_every_page_opens_from_the_navigation(
    page: Page, base_url: str, artifacts_dir: Path
) -> None:
    """One walk through the menu (one page load): each page draws, without an exception.

    Nothing is fetched from outside the app but the base map's style: a live demo must
    work offline (the favicon and icons come with the app).
    """
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if harness.is_loopback_url(request.url) or request.url.startswith("data:")
            else outside.append(request.url)
        ),
    )
    ui.open_clusters(page, base_url)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # Each link's text starts with its icon's ligature name (e.g. "map").
    expect(links).to_have_text([re.compile(re.escape(label) + "$") for label, _ in PAGES])
    problems = []
    for label, path in [*PAGES[1:], PAGES[0]]:
        _go_to(page, label)
        url_path = page.url.split("?")[0].rstrip("/")
        if not url_path.endswith("/" + path if path else base_url.rstrip("/")):
            problems.append(f"{label}: URL is {page.url}")
        if page.get_by_test_id("stException").count():
            text = page.get_by_test_id("stException").first.inner_text()
            problems.append(f"{label}: exception {text[:300]!r}")
        if page.get_by_role("heading", level=1).count() != 1:
            problems.append(f"{label}: no page title")
        ui.full_page_screenshot(page, str(artifacts_dir / f"page-{path or 'clusters'}.png"))
    assert not problems, "\n".join(problems)
    assert set(outside) <= {harness.CARTO_STYLE_URL}, sorted(set(outside))


def test_shared_settings_carry_over_between_pages(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    harness.act_and_wait(page, lambda: ui.add_feature(page, "Median income"))
    ui.close_dropdowns(page)
    expected = (ui.DEFAULT_K + 2, [*ui.DEFAULT_FEATURE_LABELS, "Median income"])
    seen = []
    for label in [*SHARED_SIDEBAR_PAGES[1:], SHARED_SIDEBAR_PAGES[0]]:
        _go_to(page, label)
        seen.append((label, ui.slider_k(page), ui.selected_features(page)))
    wrong = [entry for entry in seen if (entry[1], entry[2]) != expected]
    assert not wrong, f"After Clusters with k, features = {expected}, the sidebar showed: {wrong}"
    ui.wait_for_charts(page)


def test_settings_of_a_fresh_session_carry_over_to_choose_k(page: Page, base_url: str) -> None:
    ui.open_clusters(page, base_url)
    _go_to(page, "Choose k")
    assert (ui.slider_k(page), ui.selected_features(page)) == (
        ui.DEFAULT_K,
        list(ui.DEFAULT_FEATURE_LABELS),
    ), "The Choose k page lost the Clusters page's (default) settings"
    expect(page.get_by_text("Choose at least one feature to cluster on.")).to_have_count(0)


def test_explore_page_map_and_histogram_follow_their_selects(
    page: Page, base_url: str, artifacts_dir: Path
) -> None:
    harness.goto_and_wait(page, f"{base_url}/explore")
    expect(ui.page_title(page)).to_have_text(ui.EXPLORE_TITLE)
    # Opened directly (a deep link), the page still has the app's own navigation.
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_count(len(PAGES))
    # The value map is a pydeck map (drawn offline); its caption names the scale.
    value_map = page.get_by_test_id("stDeckGlJsonChart")
    histogram = page.locator(".st-key-explore_histogram .js-plotly-plot")
    expect(value_map.locator("canvas").first).to_be_visible()
    expect(histogram.locator(".main-svg").first).to_be_visible()
    ui.full_page_screenshot(page, str(artifacts_dir / "page-explore-direct.png"))

    def scale_caption() -> str:
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="viridis scale")
        return caption.first.inner_text() if caption.count() else ""

    first_caption = scale_caption()
    assert "Median house value" in first_caption, first_caption
    harness.act_and_wait(page, lambda: ui.choose_option(page, "Colour the map by", "Median income"))
    harness.wait_until(
        page,
        lambda: "Median income" in scale_caption() and scale_caption() != first_caption,
        True,
        what=f"the map's scale caption (was {first_caption!r})",
    )

    harness.act_and_wait(page, lambda: ui.choose_option(page, "Column", "Median house age"))
    expect(page.locator(".st-key-explore_histogram .g-xtitle")).to_have_text(
        re.compile("Median house age")
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)
