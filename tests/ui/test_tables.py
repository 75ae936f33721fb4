"""Tests of the pure helpers in components/ui/tables.py (no Streamlit server needed)."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.io.formats.style import Styler

from components.ui.tables import legend_styler, swatch_data_url
from components.ui.text import escape_markdown


def test_swatch_is_an_svg_square_of_the_colour() -> None:
    url = swatch_data_url("#0072B2")
    assert url.startswith("data:image/svg+xml;utf8,<svg ")
    assert "fill='rgb(0,114,178)'" in url
    assert url.endswith("</svg>")


@pytest.mark.parametrize("bad", ["red", "#12345", "#0072B2'/><script>", "' onload='x"])
def test_swatch_rejects_anything_but_a_hex_colour(bad: str) -> None:
    with pytest.raises(ValueError):
        swatch_data_url(bad)


COLOURS = ["#0072B2", "#E69F00"]


def _legend_frame(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"cluster": ["0", "1"], "name": names, "rows": [12345, 7], "median": [1.5, float("nan")]}
    )


def _rendered(styler: Styler) -> tuple[list[list[str]], dict[str, str]]:
    """Each body cell's display text, and each styled cell's CSS, as st.table receives them.

    Streamlit marshals a Styler through ``Styler._compute`` and ``_translate`` too
    (streamlit/elements/lib/pandas_styler_utils.py).
    """
    styler._compute()
    translated = styler._translate(False, False)
    cells = [[cell["display_value"] for cell in row[1:]] for row in translated["body"]]
    styles = {
        selector: "; ".join(f"{name}: {value}" for name, value in style["props"])
        for style in translated["cellstyle"]
        for selector in style["selectors"]
    }
    return cells, styles


def test_legend_shows_each_cluster_in_its_colour_with_counts_and_medians() -> None:
    styler = legend_styler(_legend_frame(["coast", "inland"]), COLOURS, lambda v: f"{v:.1f}")
    cells, styles = _rendered(styler)
    assert cells == [
        ["0", "coast", "12,345", escape_markdown("1.5")],
        ["1", "inland", "7", "nan"],
    ]
    badge = "font-weight: bold"
    assert styles["row0_col0"] == f"background-color: rgb(0, 114, 178); color: #FFFFFF; {badge}"
    assert styles["row1_col0"] == f"background-color: rgb(230, 159, 0); color: #000000; {badge}"
    assert {selector.split("_")[1] for selector in styles} == {"col0"}  # the cluster's cell


def test_legend_text_is_shown_literally() -> None:
    hostile = "**bold** $x$ <b>hi</b> :red[r] [link](http://example.com)"
    styler = legend_styler(_legend_frame([hostile, "a|b"]), COLOURS, lambda _: "$1 and $2")
    (first, second), _ = _rendered(styler)
    assert first[1] == escape_markdown(hostile) and second[1] == escape_markdown("a|b")
    assert first[3] == escape_markdown("$1 and $2")
    assert styler.data["name"].tolist() == [hostile, "a|b"]  # the data keeps the raw names


@pytest.mark.parametrize("bad", ["red", "#0072B2; background-image: url(x)"])
def test_legend_rejects_a_colour_that_is_not_hex(bad: str) -> None:
    with pytest.raises(ValueError, match="RRGGBB"):
        legend_styler(_legend_frame(["a", "b"]), [bad, "#E69F00"])


def test_legend_needs_one_colour_per_row() -> None:
    with pytest.raises(ValueError, match=r"len\(colours\)=1 must equal the 2 rows"):
        legend_styler(_legend_frame(["a", "b"]), COLOURS[:1])
