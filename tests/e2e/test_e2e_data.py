"""The Data page in a real browser: a file is read, named when bad, and clustered on every page.

A bad file is named with what is wrong; a good one (CSV or Parquet) is summarised on the
Data page and becomes the data of the Clusters page; places that fall in the sea get a
one-click swap of latitude and longitude; the sidebar switches between the file and the
demo, and the Data page brings the demo back or forgets the file.
"""

from __future__ import annotations

import hashlib
import re

import app_page as ui
import harness
import pyarrow
import pyarrow.csv
import pyarrow.parquet
import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

GOOD_FILE = harness.PROJECT_ROOT / "tests" / "data" / "places_good.csv"
LIMITS = "CSV or Parquet, up to 100 MB, 2,000,000 rows"
# Four Paris landmarks with the latitude and longitude columns swapped: every value is in
# range, yet the places fall in the Indian Ocean.
PARIS_SWAPPED = (
    b"name,lat,lon,visitors\n"
    b"Notre-Dame,2.3499,48.8530,12000\n"
    b"Louvre,2.3376,48.8606,9000\n"
    b"Eiffel Tower,2.2945,48.8584,7000\n"
    b"Hotel de Ville,2.3522,48.8566,3000\n"
)
HOUSING_CAPTION = "K-means groups the 20,640 block groups of California housing, 1990 census"


def file_errors(page: Page) -> Locator:
    """The "<file> cannot be used." errors on the page."""
    return page.get_by_test_id("stAlert").filter(has_text="cannot be used")


def see_the_clusters(page: Page) -> None:
    """Follow the Data page's link to the Clusters page and wait for its charts."""
    harness.act_and_wait(
        page,
        page.get_by_role("link", name="See the clusters").click,
        timeout_ms=harness.LOAD_TIMEOUT_MS,
    )
    expect(ui.page_title(page)).to_have_text(ui.CLUSTERS_TITLE)
    ui.wait_for_charts(page)


def assert_clusters_of(page: Page, n_places: int, name: str) -> None:
    """The Clusters page shows k-means of the file: caption, map, both charts, no error."""
    expect(page.get_by_text(f"K-means groups the {n_places:,} places of {name}")).to_be_visible()
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2)  # elbow, box; selection map off
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def test_bad_file_is_named_then_a_good_file_is_clustered(page: Page, base_url: str) -> None:
    ui.open_data_page(page, base_url)

    # Coordinates out of range: the error names the file and the column, the page works.
    ui.upload_file(
        page, "bad.csv", b"name,lat,lon,value\nA,95.0,2.0,1\nB,48.0,2.1,2\nC,48.1,2.2,3\n"
    )
    alert = file_errors(page)
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("bad.csv")
    expect(alert).to_contain_text("lat")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stFileUploader").first).to_be_visible()

    # A good file replaces it: read, summarised, located, and the data of every page.
    content = GOOD_FILE.read_bytes()
    ui.upload_file(page, "places_good.csv", content)
    expect(page.get_by_text("Holding your upload places_good.csv")).to_be_visible()
    expect(file_errors(page)).to_have_count(0)
    summary = page.get_by_text("12 places read from places_good.csv (comma-separated)")
    expect(summary).to_be_visible()
    expect(page.get_by_text("Where the places are: 12 in France.")).to_be_visible()
    # The coordinate columns were found by their names.
    assert ui.selectbox_value(page, "Latitude column") == "lat"
    assert ui.selectbox_value(page, "Longitude column") == "lng"
    # The sidebar names the file as the data shown.
    expect(
        ui.data_switch(page).get_by_role("radio", name=ui.file_option("places_good.csv"))
    ).to_be_checked()

    see_the_clusters(page)
    assert_clusters_of(page, 12, "places_good.csv")
    # The link names the file by its content, so a shared link finds the same file.
    digest = hashlib.sha256(content).hexdigest()[:16]
    harness.wait_until(
        page, lambda: ui.query_params(page).get("data"), f"upload:{digest}", what="URL data"
    )


def test_a_parquet_file_is_clustered(page: Page, base_url: str) -> None:
    ui.open_data_page(page, base_url)
    expect(page.get_by_test_id("stFileUploader").first).to_contain_text(LIMITS)

    sink = pyarrow.BufferOutputStream()
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(GOOD_FILE), sink)
    ui.upload_file(
        page, "places_good.parquet", sink.getvalue().to_pybytes(), "application/vnd.apache.parquet"
    )
    expect(page.get_by_text("12 places read from places_good.parquet (Parquet)")).to_be_visible()
    expect(file_errors(page)).to_have_count(0)
    see_the_clusters(page)
    assert_clusters_of(page, 12, "places_good.parquet")


def test_places_in_the_sea_are_swapped_back_in_one_click(page: Page, base_url: str) -> None:
    ui.open_data_page(page, base_url)
    ui.upload_file(page, "paris.csv", PARIS_SWAPPED)
    expect(page.get_by_text("Where the places are: 4 in the sea.")).to_be_visible()
    warning = page.get_by_test_id("stAlertContentWarning").filter(has_text="fall in the sea")
    expect(warning).to_contain_text("4 of 4 places fall in the sea")
    expect(warning).to_contain_text("With latitude and longitude swapped, they would fall")

    swap = page.get_by_role("button", name="Swap latitude and longitude")
    harness.act_and_wait(page, swap.click)
    expect(page.get_by_text("Where the places are: 4 in France.")).to_be_visible()
    expect(warning).to_have_count(0)
    expect(swap).to_have_count(0)
    # The selects show the swap: the file's "lon" column is read as the latitude.
    assert ui.selectbox_value(page, "Latitude column") == "lon"
    assert ui.selectbox_value(page, "Longitude column") == "lat"
    expect(page.get_by_text(re.compile(r"latitude 48\.85 to 48\.86"))).to_be_visible()

    # The clusters are of the swapped places: the map and the charts draw.
    see_the_clusters(page)
    assert_clusters_of(page, 4, "paris.csv")


def test_the_sidebar_and_the_data_page_switch_between_the_file_and_the_demo(
    page: Page, base_url: str
) -> None:
    ui.open_data_page(page, base_url)
    example = "example_places.csv"
    harness.act_and_wait(page, page.get_by_role("button", name="Try an example").click)
    expect(page.get_by_text(f"Holding the built-in example {example}")).to_be_visible()
    expect(page.get_by_text(f"320 places read from {example}")).to_be_visible()
    see_the_clusters(page)
    assert_clusters_of(page, 320, example)

    # The sidebar's switch: the demo, then the file again, on the same page.
    switch = ui.data_switch(page)
    harness.act_and_wait(
        page,
        lambda: switch.get_by_text(ui.HOUSING_OPTION, exact=True).click(),
        timeout_ms=harness.LOAD_TIMEOUT_MS,
    )
    expect(page.get_by_text(HOUSING_CAPTION)).to_be_visible()
    expect(switch.get_by_role("radio", name=ui.HOUSING_OPTION)).to_be_checked()
    ui.wait_for_charts(page)
    harness.wait_until(page, lambda: ui.query_params(page).get("data"), "housing", what="URL data")
    harness.act_and_wait(
        page, lambda: switch.get_by_text(ui.file_option(example), exact=True).click()
    )
    assert_clusters_of(page, 320, example)

    # The Data page's button brings the demo back; the file stays offered in the sidebar.
    ui.go_to(page, "Data")
    use_housing = page.get_by_role("button", name="Use the California housing data")
    harness.act_and_wait(page, use_housing.click)
    expect(page.get_by_text("Now clustering: California housing, 1990 census")).to_be_visible()
    expect(use_housing).to_be_disabled()
    expect(ui.data_switch(page).get_by_role("radio", name=ui.HOUSING_OPTION)).to_be_checked()

    # Forgetting the file: no switch any more, the sidebar names the demo.
    harness.act_and_wait(page, page.get_by_role("button", name="Forget this file").click)
    expect(page.get_by_text(f"Holding the built-in example {example}")).to_have_count(0)
    expect(ui.data_switch(page)).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).to_contain_text(
        "Data: California housing, 1990 census"
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)
