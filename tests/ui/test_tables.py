"""Tests of the pure helpers in components/ui/tables.py (no Streamlit server needed)."""

from __future__ import annotations

import pytest

from components.ui.tables import swatch_data_url


def test_swatch_is_an_svg_square_of_the_colour() -> None:
    url = swatch_data_url("#0072B2")
    assert url.startswith("data:image/svg+xml;utf8,<svg ")
    assert "fill='rgb(0,114,178)'" in url
    assert url.endswith("</svg>")


@pytest.mark.parametrize("bad", ["red", "#12345", "#0072B2'/><script>", "' onload='x"])
def test_swatch_rejects_anything_but_a_hex_colour(bad: str) -> None:
    with pytest.raises(ValueError):
        swatch_data_url(bad)
