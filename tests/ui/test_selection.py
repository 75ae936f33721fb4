"""Reading the selection map's event: the selected markers' cells, whatever the browser sends."""

from __future__ import annotations

from typing import Any

import pytest

from components.figures.selection import MARKERS_TRACE
from components.ui.selection import selected_cell_ids

OUTLINE_TRACE = 0


def _event(*points: dict[str, Any]) -> dict[str, Any]:
    return {"selection": {"points": list(points), "point_indices": [], "box": [], "lasso": []}}


def test_the_cells_of_the_selected_markers() -> None:
    event = _event(
        # What the browser sends: a typed array's row as an object keyed "0", "1", ...
        {"curve_number": MARKERS_TRACE, "point_index": 7, "customdata": {"0": 7, "1": 3}},
        {"curve_number": MARKERS_TRACE, "point_index": 2, "customdata": [2, 1, 0, 100]},
        {"curve_number": MARKERS_TRACE, "point_index": 7, "customdata": [7, 3, 1, 100]},
        # A scalar customdata, and a whole number sent as a float, are cells too.
        {"curve_number": MARKERS_TRACE, "customdata": 4},
        {"curve_number": MARKERS_TRACE, "customdata": 5.0},
    )
    assert selected_cell_ids(event).tolist() == [2, 4, 5, 7]


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        {"selection": None},
        _event(),
        # The outline's points, and anything that is not a cell id, select nothing.
        _event({"curve_number": OUTLINE_TRACE, "customdata": [3]}),
        _event({"curve_number": MARKERS_TRACE, "customdata": ["3"]}),
        _event({"curve_number": MARKERS_TRACE, "customdata": [True]}),
        _event({"curve_number": MARKERS_TRACE, "customdata": [2.5]}),
        _event({"curve_number": MARKERS_TRACE, "customdata": {"1": 3}}),
        _event({"curve_number": MARKERS_TRACE, "customdata": []}),
        _event({"curve_number": MARKERS_TRACE}),
        _event("not a point"),
        {"selection": {"points": "everything"}},
    ],
)
def test_an_empty_or_foreign_event_selects_nothing(event: Any) -> None:
    assert selected_cell_ids(event).size == 0
