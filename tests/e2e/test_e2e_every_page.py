"""Every page on an uploaded file, in one session: drawn, no error, and no trace of the demo.

4,000 made-up places around Lyon (columns site, lat, lng, price_eur_m2, rooms, year_built)
are uploaded on the Data page; then each page of the sidebar menu is opened in the same
session. Each must draw its charts without an exception, name the file in the sidebar,
name the file's columns by the file's own names, and show nothing of the California
housing demo: no wording of the census, no column of it. (The sidebar's data switch
offers the demo by name, "California housing (demo)": that option is the one place the
demo may be named.)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import app_page as ui
import numpy as np
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

FILE_NAME = "lyon_places.csv"
N_PLACES = 4_000
VALUE = "price_eur_m2"  # the file's first varying numeric column: the value shown per cluster
# Words of the housing demo that must not show on a page of the file (compared in lower
# case): its rows, its state, its value column (label and name), its category column.
HOUSING_WORDS = (
    "block group",
    "california",
    "house value",
    "median_house_value",
    "median house",
    "ocean",
    "whole state",
)
# A column of the file named other than the file names it.
RENAMED_VALUE = "price eur m2"

# Lyon's districts: (name, latitude, longitude, typical price in EUR/m2, spread in km, share).
DISTRICTS = (
    ("Presqu'ile", 45.7600, 4.8330, 6_400, 0.7, 0.12),
    ("Croix-Rousse", 45.7760, 4.8300, 5_600, 0.8, 0.14),
    ("Part-Dieu", 45.7610, 4.8570, 5_200, 1.0, 0.15),
    ("Gerland", 45.7300, 4.8320, 4_600, 1.0, 0.14),
    ("Villeurbanne", 45.7700, 4.8800, 4_100, 1.4, 0.20),
    ("Venissieux", 45.6980, 4.8850, 2_900, 1.5, 0.12),
    ("Ecully", 45.7750, 4.7780, 4_800, 1.2, 0.13),
)


def lyon_places_csv(n_rows: int = N_PLACES, seed: int = 69) -> bytes:
    """A CSV of made-up flats around Lyon: site, lat, lng, price_eur_m2, rooms, year_built.

    Each district's flats scatter around its centre (normal, its spread in km) with prices
    around its own level (log-normal, +-15%); older flats in the centre. Fixed seed.
    """
    rng = np.random.default_rng(seed)
    shares = np.array([district[5] for district in DISTRICTS])
    which = rng.choice(len(DISTRICTS), size=n_rows, p=shares / shares.sum())
    lines = ["site,lat,lng,price_eur_m2,rooms,year_built"]
    for index, district in enumerate(which):
        name, latitude, longitude, price_level, spread_km, _ = DISTRICTS[district]
        lat = latitude + rng.normal(0, spread_km / 111.0)
        lng = longitude + rng.normal(0, spread_km / (111.0 * np.cos(np.radians(latitude))))
        rooms = int(np.clip(rng.poisson(2.2) + 1, 1, 7))
        year_built = int(np.clip(rng.normal(1960 if district < 2 else 1975, 35), 1820, 2023))
        price = price_level * rng.lognormal(0, 0.15) * (1.04 if year_built > 2005 else 1.0)
        lines.append(f"{name} {index + 1:04d},{lat:.5f},{lng:.5f},{price:.0f},{rooms},{year_built}")
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class PageCase:
    """A page of the menu and what it draws."""

    label: str  # in the sidebar menu
    title: str  # its h1
    deck_charts: int  # pydeck maps
    plotly_charts: int  # at least this many plotly charts
    has_link: bool = False  # writes its settings and the data's name to the URL


PAGES = (
    PageCase("Clusters", "Clusters", deck_charts=1, plotly_charts=2, has_link=True),
    # The stability chart waits for a click: the map keeps the best of 10 starts, and a
    # check with as many per refit states its cost first.
    PageCase("Choose k", "Choose k", deck_charts=1, plotly_charts=3, has_link=True),
    PageCase(
        "Explain clusters", "Explain the clusters", deck_charts=0, plotly_charts=1, has_link=True
    ),
    PageCase("Explore", "The data before clustering", deck_charts=1, plotly_charts=1),
    PageCase("When k-means fails", "When k-means fails", deck_charts=2, plotly_charts=1),
    PageCase("Classify", "Classify", deck_charts=2, plotly_charts=2, has_link=True),
)

# Everything a reader can see of a page, as text: the rendered text of the main area, the
# text drawn in the plotly charts' SVG, and the data grids' accessible tables (headers and
# the rows in view); plus the charts' data and layout (trace names, hover texts, titles).
PAGE_TEXT_JS = """
(main) => {
  const parts = [main.innerText];
  for (const svg of main.querySelectorAll(".js-plotly-plot .main-svg")) {
    parts.push(svg.textContent);
  }
  for (const grid of main.querySelectorAll('[data-testid="stDataFrame"] table')) {
    parts.push(grid.textContent);
  }
  for (const chart of main.querySelectorAll(".js-plotly-plot")) {
    const strings = [];
    const collect = (value) => {
      if (typeof value === "string") strings.push(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === "object" && !ArrayBuffer.isView(value)) {
        Object.values(value).forEach(collect);
      }
    };
    collect(chart.data || []);
    collect(chart.layout || {});
    parts.push(strings.join("\\n"));
  }
  return parts.join("\\n");
}
"""


def housing_words_in(text: str) -> list[str]:
    """The housing demo's words found in ``text``, each with a little context."""
    lower = text.lower()
    found = []
    for word in HOUSING_WORDS:
        for match in re.finditer(re.escape(word), lower):
            found.append(repr(text[max(0, match.start() - 60) : match.end() + 30]))
    return found


def sidebar_problems(page: Page) -> list[str]:
    """The sidebar must name the file as the data shown, and say nothing else of the demo."""
    problems = []
    switch = ui.data_switch(page)
    chosen = switch.get_by_role("radio", name=ui.file_option(FILE_NAME))
    if not chosen.count() or not chosen.is_checked():
        problems.append(f"the sidebar does not name {ui.file_option(FILE_NAME)!r} as the data")
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    # The switch offers the demo by name; that option aside, no word of the demo.
    rest = sidebar.replace(ui.HOUSING_OPTION, "", 1)
    problems += [f"sidebar shows {found}" for found in housing_words_in(rest)]
    return problems


def drawn_problems(page: Page, case: PageCase) -> list[str]:
    """No exception or error box; the page's maps and plotly charts are drawn."""
    problems = []
    for test_id in ("stException", "stAlertContentError"):
        boxes = page.get_by_test_id(test_id)
        if boxes.count():
            problems.append(f"{test_id}: {boxes.first.inner_text()[:300]!r}")
    decks = page.get_by_test_id("stDeckGlJsonChart")
    if decks.count() != case.deck_charts:
        problems.append(f"{decks.count()} maps, expected {case.deck_charts}")
    for index in range(decks.count()):
        try:  # deck.gl makes its WebGL canvas once the chart is mounted
            expect(decks.nth(index).locator("canvas").first).to_be_attached()
        except AssertionError:
            problems.append(f"map {index} has no canvas")
    plots = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    if plots.count() < case.plotly_charts:
        problems.append(f"{plots.count()} plotly charts, expected at least {case.plotly_charts}")
    for index in range(plots.count()):
        try:  # plotly draws its SVG after the script run ends
            expect(plots.nth(index).locator(".main-svg").first).to_be_attached()
        except AssertionError:
            problems.append(f"plotly chart {index} is not drawn")
    return problems


def names_problems(page: Page, label: str, text: str) -> list[str]:
    """Where the page names a column, it names it as the file does."""
    expected: list[str] = []
    problems = []
    if label in ("Clusters", "Choose k", "Explain clusters"):
        features = ui.selected_features(page)
        if features != ["lat", "lng", VALUE]:
            problems.append(f"the features are {features}, expected the file's lat, lng, {VALUE}")
    if label in ("Clusters", "Explain clusters"):
        shown = ui.selectbox_value(page, ui.BOX_FEATURE_LABEL)
        if shown != VALUE:
            problems.append(f"{ui.BOX_FEATURE_LABEL!r} shows {shown!r}, expected {VALUE!r}")
        box_title = page.locator(f"{ui.BOX_PLOT} .g-ytitle, .st-key-explain_value_boxes .g-ytitle")
        titles = box_title.all_text_contents()
        if titles != [VALUE]:
            problems.append(f"the box plot's axis is titled {titles}, expected [{VALUE!r}]")
    if label == "Clusters":
        expected += [f"{VALUE} per cluster", f"The median is of {VALUE}."]
    if label == "Explain clusters":
        expected += [
            f"(features: lat, lng, {VALUE})",
            f"Do the clusters separate {VALUE}?",
            f"of the variation in {VALUE}",
        ]
    if label == "Explore":
        for select in ("Colour the map by", "Column"):
            shown = ui.selectbox_value(page, select)
            if shown != VALUE:
                problems.append(f"{select!r} shows {shown!r}, expected {VALUE!r}")
        expected += [
            f"Colour: {VALUE}, on the viridis scale",
            f"{N_PLACES:,} places of {FILE_NAME}",
        ]
        histogram = page.locator(".st-key-explore_histogram .g-xtitle").all_text_contents()
        if histogram != [VALUE]:
            problems.append(f"the histogram's axis is titled {histogram}, expected [{VALUE!r}]")
    problems += [f"no {phrase!r} on the page" for phrase in expected if phrase not in text]
    if RENAMED_VALUE in text:
        at = text.index(RENAMED_VALUE)
        problems.append(f"the column is called {RENAMED_VALUE!r}: {text[at - 60 : at + 30]!r}")
    return problems


def test_every_page_shows_the_uploaded_file_and_nothing_of_the_demo(
    page: Page, base_url: str
) -> None:
    content = lyon_places_csv()
    ui.upload_on_data_page(page, base_url, FILE_NAME, content)
    expect(page.get_by_text(f"{N_PLACES:,} places read from {FILE_NAME}")).to_be_visible()
    expect(page.get_by_text("Where the places are: 4,000 in France.")).to_be_visible()
    link_data = "upload:" + hashlib.sha256(content).hexdigest()[:16]

    problems: dict[str, list[str]] = {}
    for case in PAGES:
        ui.go_to(page, case.label)
        if case.label == "Clusters":  # the sweep's scores come after the first draw
            ui.wait_for_scores(page)
        expect(ui.page_title(page)).to_have_text(case.title)
        main = page.get_by_test_id("stMain")
        text = str(main.evaluate(PAGE_TEXT_JS))
        found = drawn_problems(page, case) + sidebar_problems(page)
        found += [f"page shows {words}" for words in housing_words_in(text)]
        found += names_problems(page, case.label, text)
        if case.has_link and (named := ui.query_params(page).get("data")) != link_data:
            found.append(f"the URL names the data {named!r}, not {link_data!r}")
        found += [f"the URL has {words}" for words in housing_words_in(page.url)]
        if found:
            problems[case.label] = found
    assert not problems, "\n".join(
        f"{label}:\n  " + "\n  ".join(found) for label, found in problems.items()
    )
