"""The map of a distributed result's grid cells: rows, colours, tooltip, bounds."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest

from components.figures import cells
from components.figures.cells import CELL_LAYER_ID, CELL_TOOLTIP, cell_map_deck
from components.figures.palette import FILL_ALPHA

# Three cells of a 0.5 degree grid: centres, places, majority cluster and its share.
CELLS = pd.DataFrame(
    {
        "cell": [1, 2, 3],
        "latitude": [36.25, 36.75, 36.25],
        "longitude": [-120.25, -119.75, -119.25],
        "count": [5, 1204, 40],
        "cluster": [0, 2, 1],
        "share": [1.0, 0.83, 0.5],
    }
)


def _spec(deck: Any) -> dict[str, Any]:
    return json.loads(deck.to_json())


def _layer(spec: dict[str, Any], layer_id: str) -> dict[str, Any]:
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def _colour(expression: str, cluster: int) -> list[int]:
    """Evaluate the chain 'this[2] == 0 ? [..] : this[2] == 1 ? [..] : [..]' for an id."""
    body = expression.removeprefix("@@=")
    for match in re.finditer(r"this\[2\] == (\d+) \? (\[[^\]]*\])", body):
        if int(match.group(1)) == cluster:
            return json.loads(match.group(2))
    return json.loads(body.rsplit(" : ", 1)[-1])


def _position(expression: str, row: list[Any]) -> list[float]:
    """Evaluate the position accessor '[a + this[0] * d, b + this[1] * d]' for a row."""
    body = expression.removeprefix("@@=")
    for index in (0, 1):
        body = body.replace(f"this[{index}]", repr(row[index]))
    assert re.fullmatch(r"\[[-0-9.e+*, ]+\]", body), body  # numbers and arithmetic only
    return [float(value) for value in eval(body)]


def _tooltip(template: str, row: list[Any]) -> str:
    return re.sub(r"\{(\d+)\}", lambda match: str(row[int(match.group(1))]), template)


def test_cells_are_coloured_by_majority_and_say_their_share_and_places() -> None:
    built = cell_map_deck(CELLS, 3, 0.5)
    spec = _spec(built.deck)
    layer = _layer(spec, CELL_LAYER_ID)
    rows = layer["data"]
    # Grid column and row from the first cell; places with separators from 1,000 on.
    assert rows == [[0, 0, 0, 5, 100], [1, 1, 2, "1,204", 83], [2, 0, 1, 40, 50]]
    # Okabe-Ito blue, orange and green, at the maps' fill opacity.
    assert _colour(layer["getFillColor"], 0) == [0, 114, 178, FILL_ALPHA]
    assert _colour(layer["getFillColor"], 1) == [230, 159, 0, FILL_ALPHA]
    assert _colour(layer["getFillColor"], 2) == [0, 158, 115, FILL_ALPHA]
    assert [_position(layer["getPosition"], row) for row in rows] == [
        [-120.25, 36.25],
        [-119.75, 36.75],
        [-119.25, 36.25],
    ]
    template = built.deck._tooltip["text"]
    assert template == CELL_TOOLTIP
    assert _tooltip(template, rows[1]) == "Cluster 2 (83% of the 1,204 places here)"
    assert "radiusUnits" not in layer  # deck.gl's default: metres
    assert layer["getRadius"] == pytest.approx(27_830)
    assert (built.n_cells_omitted, built.places_omitted) == (0, 0)


def test_colours_follow_the_cluster_id_whatever_k() -> None:
    at_3 = _layer(_spec(cell_map_deck(CELLS, 3, 0.5).deck), CELL_LAYER_ID)["getFillColor"]
    at_5 = _layer(_spec(cell_map_deck(CELLS, 5, 0.5).deck), CELL_LAYER_ID)["getFillColor"]
    assert [_colour(at_3, c) for c in range(3)] == [_colour(at_5, c) for c in range(3)]


def test_centres_are_numbered_dots_and_empty_clusters_are_skipped() -> None:
    centres = [(-120.0, 36.5), (float("nan"), float("nan")), (-119.5, 36.4)]
    spec = _spec(cell_map_deck(CELLS, 3, 0.5, centres=centres).deck)
    labels = _layer(spec, "centroid-labels")["data"]
    assert [(label["text"], label["position"]) for label in labels] == [
        ("0", [-120.0, 36.5]),
        ("2", [-119.5, 36.4]),
    ]
    assert [layer["id"] for layer in _spec(cell_map_deck(CELLS, 3, 0.5).deck)["layers"]][-1] == (
        CELL_LAYER_ID
    )


def test_above_the_bound_the_busiest_cells_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cells, "MAX_MAP_CELLS", 2)
    built = cell_map_deck(CELLS, 3, 0.5)
    rows = _layer(_spec(built.deck), CELL_LAYER_ID)["data"]
    assert [row[3] for row in rows] == ["1,204", 40]  # the 5 places' cell is left out
    assert (built.n_cells_omitted, built.places_omitted) == (1, 5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cluster": [0, 3, 1]}, r"cluster ids in \[0, 3\]; expected ids in \[0, 2\] for k=3"),
        ({"count": [5, 0, 40]}, "a count of 0; expected at least 1"),
    ],
)
def test_bad_cells_are_named(change: dict[str, list[int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cell_map_deck(CELLS.assign(**change), 3, 0.5)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match=r"lacks the columns \['share'\]"):
        cell_map_deck(CELLS.drop(columns="share"), 3, 0.5)
    with pytest.raises(ValueError, match=r"cell_degrees=0\.0 is invalid"):
        cell_map_deck(CELLS, 3, 0.0)
