"""Derive data/outline/countries.json, the named country polygons that say where places are.

A one-off script (not run by the app or the tests); run it again only to change the
polygons. It needs the npm package below, unpacked anywhere (``npm pack
world-atlas@2.0.2`` then ``tar xzf world-atlas-2.0.2.tgz``), and nothing but the
standard library. The app reads the result with :mod:`components.engine.whereabouts`
to name the countries a file's places fall in, and to count those in the sea.

Source (the geometry is public domain; the packaging is ISC-licensed,
"Copyright 2013-2019 Michael Bostock"):

- ``world-atlas`` 2.0.2, ``countries-50m.json``: Natural Earth's 1:50m Admin 0
  countries, version 4.1.0 (public domain), as TopoJSON in degrees, with each
  country's name in ``properties.name`` (Natural Earth's short names, such as
  "United States of America", "Dem. Rep. Congo", "Bosnia and Herz.").

Why 1:50m rather than the 1:110m countries the map outline is drawn from: the
1:110m set has 177 countries and leaves out 64 small ones, islands mostly (Singapore,
Hong Kong, Malta, Bahrain, Mauritius, the Maldives, Cabo Verde, ...), so a file of
places there would read as a neighbour's or as "in the sea". 1:50m has all 241.

How it is reduced:

- TopoJSON stores each shared border once (an "arc"). Each arc is simplified once,
  with Douglas-Peucker at ``TOLERANCE_DEG`` keeping its end points, and every ring is
  then rebuilt from its simplified arcs: two neighbours keep exactly the same border,
  with no gap or overlap between them.
- Coordinates are rounded to ``DECIMALS`` decimals; repeated points are dropped, and
  so is a ring left with fewer than three points (the smallest islands, Vatican City
  and its hole in Italy alike).
- Each ring is stored as integers in units of ``10**-DECIMALS`` degrees, its first
  point absolute and every next one as the difference from the one before (small
  numbers, so a compact file); the ring closes back to its first point. The reader
  (:func:`components.engine.whereabouts.parse_countries`) undoes this.

The result is ``{"source": ..., "decimals": DECIMALS, "countries": [{"name": ...,
"rings": [[x0, y0, dx1, dy1, ...], ...]}, ...]}`` with x the longitude and y the
latitude. A country's rings are its outer rings and its holes (lakes are not holes
at this scale; enclaves such as Lesotho in South Africa are), in any order: a point
is in the country when it is inside an odd number of them.

Usage::

    python data/outline/make_countries.py WORLD_ATLAS_DIR [OUT]
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

# Shared with the outline's script, which lives beside this one (Python puts a
# script's own folder first on the import path).
from make_outline import decode_arcs, simplify

TOLERANCE_DEG = 0.05
DECIMALS = 2
SMALL_ARC_SHARE = 0.1
SOURCE = (
    "Natural Earth 1:50m Admin 0 countries 4.1.0 (npm world-atlas 2.0.2, countries-50m); "
    "public domain; derived by data/outline/make_countries.py"
)

Point = tuple[float, float]


def simplify_arc(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker of one arc; a closed arc (an island) is simplified as two halves.

    Douglas-Peucker from a point to itself would keep only that point. The tolerance
    shrinks to ``SMALL_ARC_SHARE`` of a small arc's extent, so that a small island or
    country keeps a few points of its shape instead of vanishing.
    """
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    tolerance = min(tolerance, SMALL_ARC_SHARE * extent)
    if len(points) > 3 and points[0] == points[-1]:
        middle = len(points) // 2
        return simplify(points[: middle + 1], tolerance)[:-1] + simplify(points[middle:], tolerance)
    return simplify(points, tolerance)


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """The rings of a (Multi)Polygon geometry as lists of arc indices (~i: arc i reversed)."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    """Join a ring's arcs, each after the first without its first (shared) point."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points += arc if not points else arc[1:]
    return points


def encode_ring(points: list[Point], decimals: int) -> list[int]:
    """Round a ring to integers, drop repeats, delta-encode; [] when it is degenerate."""
    factor = 10**decimals
    rounded: list[tuple[int, int]] = []
    for x, y in points:
        point = (round(x * factor), round(y * factor))
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    while len(rounded) > 1 and rounded[-1] == rounded[0]:
        rounded.pop()  # the reader closes every ring itself
    if len(set(rounded)) < 3:
        return []
    flat = list(rounded[0])
    for (x0, y0), (x1, y1) in itertools.pairwise(rounded):
        flat += [x1 - x0, y1 - y0]
    return flat


def main(world_atlas: Path, out: Path) -> None:
    """Write the countries from the unpacked package's folder."""
    world = json.loads((world_atlas / "countries-50m.json").read_text(encoding="utf-8"))
    arcs = [simplify_arc(arc, TOLERANCE_DEG) for arc in decode_arcs(world)]
    countries = []
    n_points = 0
    for geometry in world["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        rings = []
        for polygon in polygons_of(geometry):
            for ring in polygon:
                encoded = encode_ring(ring_points(ring, arcs), DECIMALS)
                if encoded:
                    rings.append(encoded)
                    n_points += len(encoded) // 2
        if rings:
            countries.append({"name": name, "rings": rings})
        else:
            print(f"left out (smaller than the rounding): {name}")
    countries.sort(key=lambda country: country["name"])
    document = {"source": SOURCE, "decimals": DECIMALS, "countries": countries}
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    n_rings = sum(len(country["rings"]) for country in countries)
    size = len((text + "\n").encode("utf-8"))
    print(f"{out}: {len(countries)} countries, {n_rings} rings, {n_points} points, {size} bytes")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    default_out = Path(__file__).resolve().parent / "countries.json"
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else default_out)
