"""Tests of the small pure helpers in components/ui/widgets.py (no Streamlit server needed)."""

from __future__ import annotations

import pytest

from components.ui.widgets import download_stem, source_param, swatch_data_url


def test_swatch_is_an_svg_square_of_the_colour() -> None:
    url = swatch_data_url("#0072B2")
    assert url.startswith("data:image/svg+xml;utf8,<svg ")
    assert "fill='rgb(0,114,178)'" in url
    assert url.endswith("</svg>")


@pytest.mark.parametrize("bad", ["red", "#12345", "#0072B2'/><script>", "' onload='x"])
def test_swatch_rejects_anything_but_a_hex_colour(bad: str) -> None:
    with pytest.raises(ValueError):
        swatch_data_url(bad)


def test_a_link_names_the_census_data_or_an_upload_by_its_digest() -> None:
    from components.ui import keys

    assert source_param(keys.DataSource(kind=keys.SOURCE_HOUSING, name="/x.csv")) == "housing"
    upload = keys.DataSource(kind=keys.SOURCE_UPLOAD, name="ab" * 32, label="f.csv")
    assert source_param(upload) == "upload:" + "ab" * 8


@pytest.mark.parametrize(
    ("name", "stem"),
    [("lyon places.csv", "lyon_places"), ("../../etc/passwd", "passwd"), ("=+.csv", "places")],
)
def test_download_names_are_safe(name: str, stem: str) -> None:
    assert download_stem(name) == stem


@pytest.mark.parametrize(
    ("points", "expected_k"),
    [([{"x": 9, "y": 0.4, "curve_number": 0}], 9), ([], 5), ([{"x": 42}], 5)],
)
def test_elbow_click_callback_sets_the_k_slider(
    monkeypatch: pytest.MonkeyPatch, points: list[dict[str, object]], expected_k: int
) -> None:
    """The on_select callback reads the chart's selection and writes the slider's state."""
    from components.ui import widgets as ui

    state: dict[str, object] = {
        "_clusters_k_max": 15,
        ui.K_KEY: 5,
        ui.ELBOW_KEY: {"selection": {"points": points, "point_indices": [], "box": []}},
    }
    monkeypatch.setattr(ui.st, "session_state", state)
    ui.ELBOW_CALLBACK()
    assert state[ui.K_KEY] == expected_k
