"""The coast and border outline shipped with the app (data/outline/outline.json), read once.

The maps draw it under their points so they show where they are without any base map
tiles (offline). The file is derived from public-domain US Census and Natural Earth
outlines by data/outline/make_outline.py, which documents the sources.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

OUTLINE_PATH = Path(__file__).resolve().parents[2] / "data" / "outline" / "outline.json"
# The outline is sent to every browser that opens a map; a file past this is a mistake.
MAX_OUTLINE_BYTES = 100_000


@dataclass(frozen=True)
class Outline:
    """Polylines of coasts and borders.

    Attributes
    ----------
    paths : tuple of numpy.ndarray
        One array of shape (n, 2) per polyline, (longitude, latitude) in degrees,
        n >= 2.
    source : str
        Where the geometry comes from (shown nowhere; kept with the data).
    """

    paths: tuple[np.ndarray, ...]
    source: str


def shipped_json(text: str, what: str, list_key: str, max_bytes: int) -> tuple[dict[str, Any], str]:
    """Check the JSON text of a data file shipped with the app, before its own checks.

    Parameters
    ----------
    text : str
        The file's text.
    what : str
        The file, for the messages (e.g. "The outline").
    list_key : str
        The key of its non-empty list (e.g. "paths").
    max_bytes : int
        Its largest accepted size in UTF-8.

    Returns
    -------
    document : dict
        The JSON object.
    source : str
        Where its data come from (its "source").

    Raises
    ------
    ValueError
        When the text is larger, is not a JSON object with a non-empty ``list_key`` list, or
        does not name its source.
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise ValueError(f"{what} has {size:,} bytes; at most {max_bytes:,} expected.")
    document = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get(list_key), list):
        raise ValueError(f'{what} must be a JSON object with a "{list_key}" list.')
    source = document.get("source")
    if not isinstance(source, str) or not source:
        raise ValueError(f'{what} must name its "source".')
    if not document[list_key]:
        raise ValueError(f"{what} has no {list_key}.")
    return document, source


def check_flat_pairs(flat: object, where: str, min_pairs: int, kind: type) -> None:
    """Raise ValueError unless ``flat`` is ``[x0, y0, x1, y1, ...]``, ``kind`` numbers.

    Parameters
    ----------
    flat : object
        A value of a shipped file.
    where : str
        What it is, for the message ("Path 3").
    min_pairs : int
        The fewest (x, y) pairs it may hold.
    kind : type
        The numbers' type (``numbers.Real`` or ``numbers.Integral``); a bool is none.
    """
    if (
        not isinstance(flat, list)
        or len(flat) < 2 * min_pairs
        or len(flat) % 2
        or not all(isinstance(value, kind) and not isinstance(value, bool) for value in flat)
    ):
        raise ValueError(
            f"{where} must be a flat list of at least {min_pairs} (x, y) pairs of "
            f"{kind.__name__} numbers."
        )


def check_degrees(points: np.ndarray, where: str) -> None:
    """Raise ValueError unless every (longitude, latitude) row is finite and within range."""
    finite = np.isfinite(points).all()
    if not finite or np.abs(points[:, 0]).max() > 180 or np.abs(points[:, 1]).max() > 90:
        raise ValueError(f"{where} has a point outside longitude/latitude range.")


def parse_outline(text: str) -> Outline:
    """Validate the outline file's JSON text and return its paths.

    Parameters
    ----------
    text : str
        ``{"source": str, "paths": [[lon0, lat0, lon1, lat1, ...], ...]}``.

    Returns
    -------
    Outline
        The paths as (n, 2) arrays.

    Raises
    ------
    ValueError
        When the text is too large, is not that structure, or has a coordinate that
        is not a finite longitude in [-180, 180] or latitude in [-90, 90].
    """
    document, source = shipped_json(text, "The outline", "paths", MAX_OUTLINE_BYTES)
    paths = []
    for index, flat in enumerate(document["paths"]):
        check_flat_pairs(flat, f"Path {index}", 2, Real)
        path = np.asarray(flat, dtype=float).reshape(-1, 2)
        path.flags.writeable = False  # shared by every caller of the cached loader
        check_degrees(path, f"Path {index}")
        paths.append(path)
    return Outline(paths=tuple(paths), source=source)


@functools.lru_cache(maxsize=4)
def load_outline(path: Path = OUTLINE_PATH) -> Outline:
    """Read and validate the outline file, once per path.

    Parameters
    ----------
    path : pathlib.Path
        The file; default the one shipped in data/outline/.

    Returns
    -------
    Outline
        Its paths.
    """
    return parse_outline(Path(path).read_text(encoding="utf-8"))
