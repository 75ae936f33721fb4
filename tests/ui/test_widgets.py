"""Tests of the small pure helpers in components/ui/widgets.py (no Streamlit server needed)."""

from __future__ import annotations

import pytest

from components.ui.widgets import download_stem


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
    ui.on_elbow_select()
    assert state[ui.K_KEY] == expected_k
