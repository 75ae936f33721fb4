"""A model saved on the census data and applied to an uploaded file, in a real browser.

The context refuses every request that leaves the app (tests/e2e/conftest.py).
"""

from __future__ import annotations

import json

import app_page as ui
import harness
import numpy as np
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

N_PLACES = 300


def _places_with_house_values() -> bytes:
    generator = np.random.default_rng(5)
    lines = ["site,lat,lng,median_house_value"]
    for index in range(N_PLACES):
        north = index % 2 == 0
        lines.append(
            f"s{index},{(38.5 if north else 34.0) + generator.normal(0, 0.3):.4f},"
            f"{(-121.5 if north else -118.3) + generator.normal(0, 0.3):.4f},"
            f"{generator.uniform(50_000, 500_000):.0f}"
        )
    return ("\n".join(lines) + "\n").encode()


def test_a_model_saved_on_the_census_data_labels_every_place_of_a_file(
    page: Page, base_url: str
) -> None:
    ui.open_clusters(page, base_url)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the model (JSON)").click()
    model = download.value.path().read_bytes()
    assert json.loads(model)["k"] == 5

    ui.upload_on_data_page(page, base_url, "mine.csv", _places_with_house_values())
    model_input = page.get_by_test_id("stFileUploader").nth(1).locator('input[type="file"]')
    harness.act_and_wait(
        page,
        lambda: model_input.set_input_files(
            files=[{"name": "model.json", "mimeType": "application/json", "buffer": model}]
        ),
        timeout_ms=harness.LOAD_TIMEOUT_MS,
    )
    expect(page.get_by_text("A model of k = 5 clusters", exact=False)).to_be_visible()
    use = page.get_by_role("button", name="Show this model's clusters on every page")
    harness.act_and_wait(page, use.click)

    ui.go_to(page, "Clusters")
    ui.wait_for_scores(page)
    expect(ui.page_title(page)).to_have_text("Clusters")
    assert ui.query_params(page)["method"] == "model"
    assert ui.legend_row_count(page) == 5
    # Every place is labelled: no "not clustered" row beside the model's 5 clusters.
    assert ui.legend_clusters(page) == ["0", "1", "2", "3", "4"]
    expect(page.get_by_text(f"The saved model labels the {N_PLACES} places")).to_be_visible()
    for label in ("Explain clusters", "Classify"):
        ui.go_to(page, label)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
