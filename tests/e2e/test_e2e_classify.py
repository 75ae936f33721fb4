"""The Classify page and the classification settings in a real browser.

On the census data: the page draws the prepared variables, the profiles, the names, the
regions next to the k-means clusters and the two levels' tree, from a link. On an uploaded
file: a transform that cannot apply (log of negatives) is answered by a message that says
what to choose instead, and another transform clusters again.
"""

from __future__ import annotations

import app_page as ui
import harness
import numpy as np
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

LINK = (
    "features=latitude,longitude,median_house_value,population,households"
    "&transform=population:asinh,households:log1p&method=levels&fine_k=12&k=4"
)


def test_classify_page_on_the_census_data_from_a_link(page: Page, base_url: str) -> None:
    harness.goto_and_wait(page, f"{base_url}/classify?{LINK}")
    expect(ui.page_title(page)).to_have_text("Classify")
    main = page.get_by_test_id("stMain")
    for heading in ("Prepared variables", "Profiles", "Names", "Contiguous regions", "Two levels"):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible(
            timeout=harness.RUN_TIMEOUT_MS
        )
    expect(main.get_by_test_id("stDeckGlJsonChart")).to_have_count(2)
    # The correlation heatmap, the index scores, the tree: drawn plotly charts.
    for key in ("correlation_chart", "index_heatmap", "levels_tree"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot .main-svg").first).to_be_visible()
    expect(main.get_by_text("Population and Households", exact=False)).to_be_visible()
    # The settings came from the link and stay in it.
    params = ui.query_params(page)
    assert params["method"] == "levels" and params["fine_k"] == "12"
    assert params["transform"] == "population:asinh,households:log1p"


def _places_with_negative_values() -> bytes:
    generator = np.random.default_rng(0)
    lines = ["site,lat,lng,balance"]
    for index in range(300):
        lines.append(
            f"s{index},{45.7 + 0.1 * generator.random():.5f},"
            f"{4.8 + 0.1 * generator.random():.5f},{generator.normal(0, 50):.2f}"
        )
    return ("\n".join(lines) + "\n").encode()


def test_a_transform_that_cannot_apply_says_what_to_choose(page: Page, base_url: str) -> None:
    ui.upload_on_data_page(page, base_url, "balances.csv", _places_with_negative_values())
    ui.go_to(page, "Clusters")
    ui.wait_for_scores(page)  # the page polls for them until then, redrawing the sidebar
    if "balance" not in ui.selected_features(page):
        harness.act_and_wait(page, lambda: ui.add_feature(page, "balance"))
        ui.wait_for_scores(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Prepare the variables").click()  # an expander: no rerun
    expect(sidebar.get_by_role("combobox", name="balance")).to_be_visible()
    harness.wait_for_idle(page)
    page.wait_for_timeout(500)  # the expander's opening animation moves the box
    harness.act_and_wait(page, lambda: ui.choose_option(page, "balance", "log(1 + x)"))
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("balance")
    expect(error).to_contain_text("inverse hyperbolic sine")
    harness.act_and_wait(page, lambda: ui.choose_option(page, "balance", "Inverse hyperbolic sine"))
    expect(error).to_have_count(0)
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_attached()
    assert ui.query_params(page)["transform"] == "balance:asinh"


def _three_towns(per_town: int = 60) -> bytes:
    generator = np.random.default_rng(2)
    lines = ["town,lat,lng,price"]
    for town, (latitude, longitude) in enumerate(((45.76, 4.84), (48.86, 2.35), (43.30, 5.37))):
        for _ in range(per_town):
            lines.append(
                f"t{town},{latitude + generator.normal(0, 0.02):.5f},"
                f"{longitude + generator.normal(0, 0.02):.5f},{generator.uniform(1, 9):.2f}"
            )
    return ("\n".join(lines) + "\n").encode()


def test_regions_and_levels_that_cannot_apply_say_why(page: Page, base_url: str) -> None:
    ui.upload_on_data_page(page, base_url, "towns.csv", _three_towns(per_town=9))
    ui.go_to(page, "Clusters")
    ui.wait_for_scores(page)
    error = page.get_by_test_id("stAlertContentError")

    # Regions: 3 towns no chain of neighbours joins cannot make 2 regions.
    harness.act_and_wait(
        page, lambda: ui.choose_option(page, "Method", "Contiguous regions (Ward on neighbours)")
    )
    while ui.slider_k(page) > 2:
        harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowLeft"))
    expect(error).to_contain_text("3 separate groups")
    expect(error).to_contain_text("at least 3")
    harness.act_and_wait(page, lambda: ui.press_k_key(page, "ArrowRight"))
    expect(error).to_have_count(0)
    assert ui.slider_k(page) == 3 and ui.legend_row_count(page) == 3

    # Two levels: 30 fine clusters of 27 distinct places cannot be formed.
    harness.act_and_wait(
        page, lambda: ui.choose_option(page, "Method", "Two levels (fine k-means, then Ward)")
    )
    expect(error).to_contain_text("a fine k of 30 is above the 27 distinct places")
