"""Derive data/outline/outline.json, the light coast and border outline under every map.

A one-off script (not run by the app or the tests); run it again only to change the
outline. It needs the two npm packages below, unpacked anywhere (``npm pack
us-atlas@3.0.1 world-atlas@2.0.2`` then ``tar xzf`` each), and nothing but the
standard library.

Sources (their geometry is public domain; the packaging is ISC-licensed,
"Copyright 2013-2019 Michael Bostock"):

- ``us-atlas`` 3.0.1, ``states-10m.json``: the US Census Bureau's cartographic state
  boundaries, 2017 edition (a work of the US government, public domain), as
  TopoJSON in degrees. Every US state border and the US coast.
- ``world-atlas`` 2.0.2, ``countries-110m.json``: Natural Earth's 1:110m Admin 0
  country boundaries, version 4.1.0 (public domain), as TopoJSON in degrees.
  Every other coast and country border, so a map of places anywhere has an outline.

How it is reduced:

- TopoJSON stores each shared border once (an "arc"), so drawing every arc once
  draws each border once. The world arcs that belong to the United States are
  left out (the Census arcs draw them in more detail).
- Each arc is simplified with Douglas-Peucker, keeping its end points (so arcs still
  meet). The tolerance is finest where the housing maps look: ``CALIFORNIA_TOLERANCE_DEG``
  (0.02 degrees, about 2 km, about 1 pixel at the zoom that fits California) for the
  Census arcs that enter ``CALIFORNIA_BOX`` (California and its neighbours' borders),
  ``US_TOLERANCE_DEG`` (0.1 degrees) for the other Census arcs, and
  ``WORLD_TOLERANCE_DEG`` (0.5 degrees) for the world, seen only on maps of wider extent.
  Antarctica is left out.
- Coordinates are rounded to 2 decimals (about 1 km) for the US and 1 decimal for the
  world; repeated points and rings smaller than the tolerance (tiny islands) are dropped.

The result is ``{"source": ..., "paths": [[lon0, lat0, lon1, lat1,
...], ...]}``: each path a flat list of longitude, latitude pairs in degrees, as
deck.gl's PathLayer reads them with ``positionFormat: "XY"``.

Usage::

    python data/outline/make_outline.py US_ATLAS_DIR WORLD_ATLAS_DIR [OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CALIFORNIA_BOX = (-126.0, 30.0, -112.0, 44.0)  # west, south, east, north (degrees)
CALIFORNIA_TOLERANCE_DEG = 0.02
US_TOLERANCE_DEG = 0.1
WORLD_TOLERANCE_DEG = 0.5
US_DECIMALS = 2
WORLD_DECIMALS = 1
# ISO 3166-1 numeric codes, the ids of world-atlas's countries.
UNITED_STATES_ID = "840"
ANTARCTICA_ID = "010"
SOURCE = (
    "US Census Bureau cartographic state boundaries 2017 (npm us-atlas 3.0.1, states-10m) "
    "and Natural Earth 1:110m countries 4.1.0 (npm world-atlas 2.0.2, countries-110m); "
    "public domain; derived by data/outline/make_outline.py"
)

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Decode a quantised TopoJSON topology's arcs into lists of (lon, lat)."""
    (scale_x, scale_y), (shift_x, shift_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded integers
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def arc_indices(geometry: dict) -> set[int]:
    """The indices of the arcs a (Multi)Polygon geometry uses (~i means arc i reversed)."""
    rings = geometry.get("arcs", [])
    if geometry["type"] == "Polygon":
        rings = [rings]
    return {
        index if index >= 0 else ~index for polygon in rings for ring in polygon for index in ring
    }


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker simplification keeping both end points (iterative, no recursion)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        length = (dx * dx + dy * dy) ** 0.5
        worst, worst_distance = -1, tolerance
        for i in range(first + 1, last):
            x, y = points[i]
            if length == 0:
                distance = ((x - x0) ** 2 + (y - y0) ** 2) ** 0.5
            else:
                distance = abs(dy * (x - x0) - dx * (y - y0)) / length
            if distance > worst_distance:
                worst, worst_distance = i, distance
        if worst > 0:
            keep[worst] = True
            stack += [(first, worst), (worst, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def in_california_box(points: list[Point]) -> bool:
    """Whether any point of the arc lies in ``CALIFORNIA_BOX``."""
    west, south, east, north = CALIFORNIA_BOX
    return any(west <= x <= east and south <= y <= north for x, y in points)


def reduce_arc(points: list[Point], tolerance: float, decimals: int) -> list[list[float]]:
    """Simplify, round and flatten one arc; split where it crosses the antimeridian.

    A segment from longitude 179 to -179 would be drawn across the whole map, so the
    arc becomes one path per side. Nothing is left of an arc smaller than the tolerance.
    """
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    closed = points[0] == points[-1]
    if closed and max(xs) - min(xs) < 2 * tolerance and max(ys) - min(ys) < 2 * tolerance:
        return []  # an island smaller than the tolerance
    if closed:
        # Douglas-Peucker of a ring from one point to itself keeps only that point;
        # simplify its two halves instead.
        middle = len(points) // 2
        simple = simplify(points[: middle + 1], tolerance)[:-1] + simplify(
            points[middle:], tolerance
        )
    else:
        simple = simplify(points, tolerance)
    paths: list[list[float]] = [[]]
    previous: Point | None = None
    for x, y in simple:
        rounded = (round(x, decimals), round(y, decimals))
        if rounded == previous:
            continue
        if previous is not None and abs(rounded[0] - previous[0]) > 180:
            paths.append([])
        paths[-1] += rounded
        previous = rounded
    return [path for path in paths if len(path) >= 4]


def main(us_atlas: Path, world_atlas: Path, out: Path) -> None:
    """Write the outline from the unpacked packages' folders."""
    states = json.loads((us_atlas / "states-10m.json").read_text(encoding="utf-8"))
    world = json.loads((world_atlas / "countries-110m.json").read_text(encoding="utf-8"))
    paths: list[list[float]] = []
    for arc in decode_arcs(states):
        tolerance = CALIFORNIA_TOLERANCE_DEG if in_california_box(arc) else US_TOLERANCE_DEG
        paths += reduce_arc(arc, tolerance, US_DECIMALS)
    left_out = set().union(
        *(
            arc_indices(geometry)
            for geometry in world["objects"]["countries"]["geometries"]
            if geometry.get("id") in (UNITED_STATES_ID, ANTARCTICA_ID)
        )
    )
    for index, arc in enumerate(decode_arcs(world)):
        if index not in left_out:
            paths += reduce_arc(arc, WORLD_TOLERANCE_DEG, WORLD_DECIMALS)
    text = json.dumps({"source": SOURCE, "paths": paths}, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")
    n_points = sum(len(path) // 2 for path in paths)
    print(f"{out}: {len(paths)} paths, {n_points} points, {len(text) + 1} bytes")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    default_out = Path(__file__).resolve().parent / "outline.json"
    main(
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        Path(sys.argv[3]) if len(sys.argv) == 4 else default_out,
    )
