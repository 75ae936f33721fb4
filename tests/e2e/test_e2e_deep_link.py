"""A deep link opened first after the server starts goes through the router.

While a folder named pages/ exists, Streamlit runs a deep link such as /explore in its
legacy multipage mode until st.navigation has run once in the process
(components.router.ensure_routed handles it). The shared server of the other tests has
long been routed, so this test starts a server of its own and opens a deep link first.
"""

from __future__ import annotations

import harness
import pytest
from conftest import is_benign
from playwright.sync_api import BrowserContext, expect

pytestmark = pytest.mark.e2e


def test_deep_link_first_after_start_keeps_router_layout_and_url(
    context: BrowserContext, console: harness.ConsoleLog
) -> None:
    server = harness.start_streamlit()
    try:
        page = context.new_page()
        console.attach(page)
        harness.install_run_counter(page)
        harness.goto_and_wait(page, f"{server.url}/explore?k=7")
        # The legacy run ends in a rerun through app.py: allow a cold first load for it.
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The data before clustering", timeout=harness.LOAD_TIMEOUT_MS
        )
        navigation = page.get_by_test_id("stSidebarNav")
        # The router's titles, not the file names of the legacy mode ("app", "kmeans fails").
        expect(navigation).to_contain_text("When k-means fails")
        expect(navigation.get_by_text("app", exact=True)).to_have_count(0)
        assert "/explore" in page.url and "k=7" in page.url
        page.close()
        unexpected = [error for error in console.errors if not is_benign(error)]
        assert not unexpected, "The page logged errors:\n" + "\n".join(unexpected)
    finally:
        harness.stop_streamlit(server)
