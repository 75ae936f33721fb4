"""Your own places in a real browser: a bad file is named, a good one (CSV or Parquet) clustered."""

from __future__ import annotations

import harness
import pyarrow
import pyarrow.csv
import pyarrow.parquet
import pytest
from app_page import upload_file
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

GOOD_FILE = harness.PROJECT_ROOT / "tests" / "data" / "places_good.csv"


def test_bad_file_is_named_then_a_good_file_is_clustered(page: Page, base_url: str) -> None:
    harness.goto_and_wait(page, f"{base_url}/your_places")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cluster your own places")

    # Coordinates out of range: the error names the problem, the page keeps working.
    upload_file(page, "bad.csv", b"name,lat,lon,value\nA,95.0,2.0,1\nB,48.0,2.1,2\nC,48.1,2.2,3\n")
    alert = page.get_by_test_id("stAlert").filter(has_text="cannot be used")
    expect(alert).to_contain_text("bad.csv")
    expect(alert).to_contain_text("lat")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()

    # A good file replaces it: map, box plot and elbow chart appear, no error left.
    upload_file(page, "places_good.csv", GOOD_FILE.read_bytes())
    expect(page.get_by_test_id("stAlert").filter(has_text="cannot be used")).to_have_count(0)
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_parquet_file_is_clustered(page: Page, base_url: str) -> None:
    harness.goto_and_wait(page, f"{base_url}/your_places")
    uploader = page.get_by_test_id("stFileUploader")
    expect(uploader).to_contain_text("CSV or Parquet, up to 100 MB, 2,000,000 rows")

    sink = pyarrow.BufferOutputStream()
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(GOOD_FILE), sink)
    upload_file(
        page, "places_good.parquet", sink.getvalue().to_pybytes(), "application/vnd.apache.parquet"
    )
    expect(page.get_by_text("12 places read from places_good.parquet (Parquet)")).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="cannot be used")).to_have_count(0)
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2)
    expect(page.get_by_test_id("stException")).to_have_count(0)
