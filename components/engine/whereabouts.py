"""Where a file's places are, in words: the countries they fall in, and how many in the sea.

Pure numpy (no Streamlit). A range check cannot see latitude and longitude swapped when both
are within [-90, 90]: places in the French Alps, swapped, are valid coordinates in Ethiopia and
Somalia. The names of the countries the places fall in make that visible at once, and a file
whose places mostly fall in the sea, but would mostly fall on land swapped, is very likely
swapped.

The country polygons are data/outline/countries.json, derived from Natural Earth's public-domain
1:50m countries by data/outline/make_countries.py (which documents the source and the
simplification), read once by :func:`load_countries`. :func:`locate_places` counts the places per
country, on the columns as given and swapped; :func:`whereabouts_sentence` says it in words
("58 in Somalia, 2 in Ethiopia").

How a place is located (all vectorised over the places):

- Point in polygon by ray casting: a place is in a country when a ray from it towards the east
  crosses the country's rings (outer rings and holes alike) an odd number of times. The ring
  edges are indexed by 1-degree latitude bands, so each place is tested against the edges of its
  own band only.
- The polygons are simplified, so a coast is a few kilometres off; a place within
  :data:`COAST_TOLERANCE_KM` of a country's border or coast, but in none, counts as that nearest
  country, not as the sea (a harbour, a beach, a pier or an island too small to be drawn).
- Above :data:`MAX_POINTS` places, a fixed-seed random sample of that many is located.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np

from components.engine.outline import check_degrees, check_flat_pairs, shipped_json

__all__ = [
    "COAST_TOLERANCE_KM",
    "COUNTRIES_PATH",
    "MAX_COUNTRIES_BYTES",
    "MAX_POINTS",
    "MOSTLY",
    "TOP_COUNTRIES",
    "Countries",
    "PlaceCounts",
    "Whereabouts",
    "load_countries",
    "locate_places",
    "parse_countries",
    "whereabouts_sentence",
]

COUNTRIES_PATH = Path(__file__).resolve().parents[2] / "data" / "outline" / "countries.json"
# The file is read into memory once per process; a file past this is a mistake, not data.
MAX_COUNTRIES_BYTES = 400_000
# A place this close to a country, but in none, is in that country: the simplified coasts are a
# few kilometres off, and places at the shore (harbours, beaches, small islands the polygons
# leave out) must not read as in the sea. Places swapped into the sea are mostly far from any
# coast, so the tolerance does not hide them.
COAST_TOLERANCE_KM = 30.0
# Above this many places, a fixed-seed sample this large is located: enough to name the
# countries and count the sea share to within a percent or so.
MAX_POINTS = 25_000  # above the census data's 20,640 rows: they are located one by one
# "Most places": strictly more than this share. The sea warning needs most places in the sea;
# the swap offer needs that and most places on land once swapped.
MOSTLY = 0.5
# The sentence names this many countries, then counts the rest together.
TOP_COUNTRIES = 3

# Mean radius of the Earth (6,371 km) times pi / 180.
_KM_PER_DEGREE = 111.195
_N_BANDS = 180  # 1-degree latitude bands, band b = [b - 90, b - 89)
# Place-edge pairs compared at a time (a few arrays of this many floats): bounds the memory.
_CHUNK_PAIRS = 1_000_000
# Places near no country are compared with the edges near them in groups of this many, side by
# side in longitude.
_NEAR_GROUP = 256


# --------------------------------------------------------------------------- polygons


@dataclass(frozen=True)
class Countries:
    """The ring edges of every country, indexed by latitude band.

    Attributes
    ----------
    names : tuple of str
        Country names, in the order of the file.
    x0, y0, x1, y1 : numpy.ndarray
        Each ring edge's start and end, longitude (x) and latitude (y) in degrees, shape
        (n_edges,).
    country : numpy.ndarray
        Index into ``names`` of each edge's country, ascending (a country's edges are together).
    band_start, band_edges : numpy.ndarray
        The edges whose latitude span meets band b are ``band_edges[band_start[b]:
        band_start[b + 1]]``, ascending (so grouped by country).
    near_start, near_edges : numpy.ndarray
        The same for the band widened by :data:`COAST_TOLERANCE_KM` on each side.
    """

    names: tuple[str, ...]
    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    country: np.ndarray
    band_start: np.ndarray
    band_edges: np.ndarray
    near_start: np.ndarray
    near_edges: np.ndarray


def _band_index(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index the edges with latitude span [low, high] by the 1-degree bands they meet."""
    first = np.clip(np.floor(low).astype(np.int64) + 90, 0, _N_BANDS - 1)
    last = np.clip(np.floor(high).astype(np.int64) + 90, 0, _N_BANDS - 1)
    n_bands = last - first + 1
    edges = np.repeat(np.arange(low.size), n_bands)
    # Each edge's bands, first to last: its first band plus 0, 1, ... (n_bands - 1).
    offsets = np.arange(edges.size) - np.repeat(np.cumsum(n_bands) - n_bands, n_bands)
    bands = np.repeat(first, n_bands) + offsets
    order = np.argsort(bands, kind="stable")  # stable: edges stay ascending within a band
    start = np.zeros(_N_BANDS + 1, dtype=np.int64)
    start[1:] = np.cumsum(np.bincount(bands, minlength=_N_BANDS))
    return start, edges[order]


def _ring(flat: object, country: int, ring: int, scale: int) -> np.ndarray:
    """Decode one delta-encoded ring into an (n, 2) array of (longitude, latitude)."""
    where = f"Ring {ring} of country {country}"
    check_flat_pairs(flat, where, 3, Integral)
    # Divided, not multiplied by 10**-decimals: 18000 / 100 is exactly 180.
    points = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) / scale
    check_degrees(points, where)
    return points


def parse_countries(text: str) -> Countries:
    """Validate the countries file's JSON text and index its ring edges.

    Parameters
    ----------
    text : str
        ``{"source": str, "decimals": int, "countries": [{"name": str, "rings": [[x0, y0, dx1,
        dy1, ...], ...]}, ...]}``: each ring's first point, then each next point as the
        difference from the one before, in units of ``10**-decimals`` degrees (x the longitude,
        y the latitude); every ring closes back to its first point.

    Returns
    -------
    Countries
        The names and the indexed edges.

    Raises
    ------
    ValueError
        When the text is too large, is not that structure, names a country twice, or has a
        point that is not a longitude in [-180, 180] and a latitude in [-90, 90].
    """
    document, _ = shipped_json(text, "The countries file", "countries", MAX_COUNTRIES_BYTES)
    decimals = document.get("decimals")
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        raise ValueError('The countries file\'s "decimals" must be an integer in [0, 6].')
    scale = 10**decimals
    names: list[str] = []
    starts: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for index, entry in enumerate(document["countries"]):
        name = entry.get("name") if isinstance(entry, dict) else None
        rings = entry.get("rings") if isinstance(entry, dict) else None
        if not (isinstance(name, str) and name.strip() and isinstance(rings, list) and rings):
            raise ValueError(f'Country {index} must have a "name" and a non-empty "rings" list.')
        if name in names:
            raise ValueError(f"Country {index}, {name!r}, is named twice.")
        names.append(name)
        for ring_index, flat in enumerate(rings):
            starts.append(_ring(flat, index, ring_index, scale))
            owners.append(np.full(len(flat) // 2, index, dtype=np.int32))
    points = np.concatenate(starts)
    # Each ring's edges go from each point to the next one of the same ring, the last back to
    # the first.
    ends = np.concatenate([np.roll(ring, -1, axis=0) for ring in starts])
    x0, y0, x1, y1 = points[:, 0], points[:, 1], ends[:, 0], ends[:, 1]
    low, high = np.minimum(y0, y1), np.maximum(y0, y1)
    margin = COAST_TOLERANCE_KM / _KM_PER_DEGREE
    band_start, band_edges = _band_index(low, high)
    near_start, near_edges = _band_index(low - margin, high + margin)
    countries = Countries(
        names=tuple(names),
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
        country=np.concatenate(owners),
        band_start=band_start,
        band_edges=band_edges,
        near_start=near_start,
        near_edges=near_edges,
    )
    for value in vars(countries).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every caller of the cached loader
    return countries


@functools.lru_cache(maxsize=1)
def load_countries() -> Countries:
    """Read and validate the countries file shipped in data/outline/, once.

    Returns
    -------
    Countries
        Its names and indexed edges.
    """
    return parse_countries(COUNTRIES_PATH.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- locating


def _by_band(
    latitude: np.ndarray, start: np.ndarray, edges: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Group the places by latitude band: (positions of its places, the band's edges).

    ``start`` and ``edges`` index the edges by band (:func:`_band_index`); bands without an
    edge are skipped.
    """
    bands = np.clip(np.floor(latitude).astype(np.int64) + 90, 0, _N_BANDS - 1)
    order = np.argsort(bands, kind="stable")
    present, first = np.unique(bands[order], return_index=True)
    for band, positions in zip(present, np.split(order, first[1:]), strict=True):
        if start[band + 1] > start[band]:
            yield positions, edges[start[band] : start[band + 1]]


def _chunks(positions: np.ndarray, n_edges: int) -> list[np.ndarray]:
    """Split places so that each chunk times ``n_edges`` stays within ``_CHUNK_PAIRS``."""
    size = max(1, _CHUNK_PAIRS // max(n_edges, 1))
    return [positions[i : i + size] for i in range(0, positions.size, size)]


def _inside(countries: Countries, longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """The country each place is inside (its index in ``names``), -1 for none (ray casting)."""
    found = np.full(longitude.size, -1, dtype=np.int64)
    for positions, edges in _by_band(latitude, countries.band_start, countries.band_edges):
        x0, y0 = countries.x0[edges], countries.y0[edges]
        x1, y1 = countries.x1[edges], countries.y1[edges]
        dy = y1 - y0
        # Longitude change per degree of latitude; horizontal edges never straddle a place.
        slope = np.divide(x1 - x0, dy, out=np.zeros_like(dy), where=dy != 0)
        owner = countries.country[edges]
        group_starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        for chunk in _chunks(positions, edges.size):
            px, py = longitude[chunk, None], latitude[chunk, None]
            # A crossing: the edge straddles the place's latitude east of the place.
            crosses = ((y0 > py) != (y1 > py)) & (px < x0 + (py - y0) * slope)
            # Odd crossings of a country's rings (outer rings and holes alike): inside it.
            inside = np.logical_xor.reduceat(crosses, group_starts, axis=1)
            hit = inside.any(axis=1)
            found[chunk[hit]] = owner[group_starts[inside[hit].argmax(axis=1)]]
    return found


def _nearest_within(
    countries: Countries, longitude: np.ndarray, latitude: np.ndarray
) -> np.ndarray:
    """The country with an edge within the coast tolerance of each place, nearest first; -1."""
    found = np.full(longitude.size, -1, dtype=np.int64)
    tolerance = COAST_TOLERANCE_KM / _KM_PER_DEGREE
    for in_band, band_edges in _by_band(latitude, countries.near_start, countries.near_edges):
        west = np.minimum(countries.x0[band_edges], countries.x1[band_edges])
        east = np.maximum(countries.x0[band_edges], countries.x1[band_edges])
        # Places side by side in longitude, so that each group meets the edges of a narrow
        # span of longitude only (a band's edges go round the world).
        in_band = in_band[np.argsort(longitude[in_band], kind="stable")]
        for first in range(0, in_band.size, _NEAR_GROUP):
            group = in_band[first : first + _NEAR_GROUP]
            poleward = min(90.0, float(np.abs(latitude[group]).max()) + tolerance)
            margin = tolerance / max(math.cos(math.radians(poleward)), 1e-9)
            span = (east >= longitude[group[0]] - margin) & (west <= longitude[group[-1]] + margin)
            edges = band_edges[span]
            for chunk in _chunks(group, edges.size):
                nearest, distance2 = _nearest_edge(countries, edges, longitude, latitude, chunk)
                close = distance2 <= tolerance**2
                found[chunk[close]] = countries.country[edges[nearest[close]]]
    return found


def _nearest_edge(
    countries: Countries,
    edges: np.ndarray,
    longitude: np.ndarray,
    latitude: np.ndarray,
    chunk: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each place of ``chunk``, its nearest of ``edges`` (position) and squared distance.

    Distances are in degrees of latitude, in the local flat approximation where a degree of
    longitude is cos(latitude) degrees of latitude long: good to a fraction of a percent
    at the coast tolerance's scale. Longitudes are not wrapped at 180 degrees (only the
    Bering Strait and Fiji have land on both sides).
    """
    if edges.size == 0:
        return np.zeros(chunk.size, dtype=np.int64), np.full(chunk.size, np.inf)
    x0, y0 = countries.x0[edges], countries.y0[edges]
    shrink = np.cos(np.radians(latitude[chunk, None]))
    ax = (x0 - longitude[chunk, None]) * shrink
    ay = y0 - latitude[chunk, None]
    dx = (countries.x1[edges] - x0) * shrink
    dy = countries.y1[edges] - y0
    length2 = dx * dx + dy * dy
    # The edge's point nearest to the place, as a share of the way along it.
    along = np.divide(-(ax * dx + ay * dy), length2, out=np.zeros_like(ax), where=length2 > 0)
    np.clip(along, 0.0, 1.0, out=along)
    distance2 = (ax + along * dx) ** 2 + (ay + along * dy) ** 2
    nearest = distance2.argmin(axis=1)
    return nearest, distance2[np.arange(chunk.size), nearest]


def _locate(countries: Countries, longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """The country of each place (inside, else within the coast tolerance), -1 for the sea."""
    found = _inside(countries, longitude, latitude)
    outside = np.flatnonzero(found < 0)
    if outside.size:
        found[outside] = _nearest_within(countries, longitude[outside], latitude[outside])
    return found


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PlaceCounts:
    """How many places fall in each country, and in the sea.

    Attributes
    ----------
    countries : tuple of (str, int)
        (country name, places in it), most places first, then by name; only countries with
        at least one place.
    n_sea : int
        Places in no country (and farther than :data:`COAST_TOLERANCE_KM` from any).
    """

    countries: tuple[tuple[str, int], ...]
    n_sea: int

    @property
    def n_land(self) -> int:
        """Places in a country."""
        return sum(count for _, count in self.countries)

    @property
    def n_checked(self) -> int:
        """Places located: on land and in the sea."""
        return self.n_land + self.n_sea

    @property
    def mostly_sea(self) -> bool:
        """Whether more than :data:`MOSTLY` of the places are in the sea."""
        return self.n_sea > MOSTLY * self.n_checked

    @property
    def mostly_land(self) -> bool:
        """Whether more than :data:`MOSTLY` of the places are on land."""
        return self.n_land > MOSTLY * self.n_checked


@dataclass(frozen=True)
class Whereabouts:
    """Where a file's places fall, with its coordinate columns as given and swapped.

    Attributes
    ----------
    current : PlaceCounts
        The places as the columns say.
    swapped : PlaceCounts or None
        The same places with latitude and longitude exchanged; None when a longitude is
        outside [-90, 90] (it cannot be a latitude, so the columns are not swapped).
    n_places : int
        Places with both coordinates.
    sampled : bool
        Whether only a fixed-seed sample of the places was located (``current.n_checked`` of
        them).
    """

    current: PlaceCounts
    swapped: PlaceCounts | None
    n_places: int
    sampled: bool

    @property
    def n_checked(self) -> int:
        """Places located (all of them, or the sample)."""
        return self.current.n_checked

    @property
    def warn_sea(self) -> bool:
        """Whether most places are in the sea: the columns are likely wrong."""
        return self.current.mostly_sea

    @property
    def offer_swap(self) -> bool:
        """Whether most places are in the sea as given, but most on land swapped."""
        return self.current.mostly_sea and self.swapped is not None and self.swapped.mostly_land


def _counts(countries: Countries, found: np.ndarray) -> PlaceCounts:
    """Count the located places per country (most first, then by name) and in the sea."""
    per_country = np.bincount(found[found >= 0], minlength=len(countries.names))
    named = [(countries.names[i], int(per_country[i])) for i in np.flatnonzero(per_country)]
    named.sort(key=lambda pair: (-pair[1], pair[0]))
    return PlaceCounts(countries=tuple(named), n_sea=int(np.count_nonzero(found < 0)))


def _coordinates(values: object, name: str, bound: float) -> np.ndarray:
    """One coordinate column as a 1-D float64 array, NaN for missing, within [-bound, bound]."""
    expected = f"expected numbers in [{-bound:g}, {bound:g}] (NaN for a missing value)"
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers; {expected}.") from error
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one value per place; got ndim={array.ndim}.")
    bad = np.flatnonzero(np.isinf(array) | (np.abs(np.nan_to_num(array)) > bound))
    if bad.size:
        first = int(bad[0])
        raise ValueError(
            f"{name}[{first}]={float(array[first])!r} is out of range; {expected}; "
            f"{bad.size:,} of {array.size:,} values are outside it."
        )
    return array


def locate_places(latitude: object, longitude: object) -> Whereabouts:
    """Count a file's places per country and in the sea, as given and swapped.

    A place is in a country when it is inside the country's polygon, or outside every one
    but within :data:`COAST_TOLERANCE_KM` of this country's; it is in the sea otherwise.
    Places with a missing coordinate are left out; above :data:`MAX_POINTS` places, a
    fixed-seed random sample of that many is located (the same places each time).

    Parameters
    ----------
    latitude, longitude : array-like of float
        One value per place, in degrees; NaN for a missing value.

    Returns
    -------
    Whereabouts
        The counts as given and swapped, and whether they are of a sample.

    Raises
    ------
    ValueError
        When the two have different lengths, are not 1-D numbers, a value is infinite or out
        of range (latitude [-90, 90], longitude [-180, 180]), or no place has both
        coordinates.
    """
    lat = _coordinates(latitude, "latitude", 90.0)
    lon = _coordinates(longitude, "longitude", 180.0)
    if lat.size != lon.size:
        raise ValueError(
            f"latitude has {lat.size:,} values and longitude {lon.size:,}; "
            "expected one of each per place."
        )
    complete = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
    if complete.size == 0:
        raise ValueError(
            f"No place has both a latitude and a longitude (of {lat.size:,} rows); "
            "expected at least one."
        )
    n_places = int(complete.size)
    if n_places > MAX_POINTS:
        rng = np.random.default_rng(0)
        complete = complete[np.sort(rng.choice(n_places, size=MAX_POINTS, replace=False))]
    lat, lon = lat[complete], lon[complete]
    countries = load_countries()
    current = _counts(countries, _locate(countries, lon, lat))
    swapped = None
    if np.abs(lon).max() <= 90.0:
        swapped = _counts(countries, _locate(countries, lat, lon))
    return Whereabouts(
        current=current, swapped=swapped, n_places=n_places, sampled=complete.size < n_places
    )


# --------------------------------------------------------------------------- words


def whereabouts_sentence(result: Whereabouts, *, swapped: bool = False) -> str:
    """Say where the places fall: "58 in Somalia, 2 in Ethiopia".

    Parameters
    ----------
    result : Whereabouts
        From :func:`locate_places`.
    swapped : bool
        Describe the places with latitude and longitude swapped instead (``result.swapped``
        must not be None).

    Returns
    -------
    str
        The :data:`TOP_COUNTRIES` countries with the most places and their counts, then the
        others ("12 in 4 other countries"), then the sea ("3 in the sea"), comma-separated;
        for a sample, what it is a sample of.
    """
    counts = result.swapped if swapped else result.current
    if counts is None:
        raise ValueError("swapped=True needs result.swapped; its longitudes cannot be latitudes.")
    parts = [f"{count:,} in {name}" for name, count in counts.countries[:TOP_COUNTRIES]]
    rest = counts.countries[TOP_COUNTRIES:]
    if rest:
        n_rest = sum(count for _, count in rest)
        other = "1 other country" if len(rest) == 1 else f"{len(rest)} other countries"
        parts.append(f"{n_rest:,} in {other}")
    if counts.n_sea:
        parts.append(f"{counts.n_sea:,} in the sea")
    sentence = ", ".join(parts)
    if result.sampled:
        # A sample is taken of more places than it holds: at least two.
        sentence += f" (a fixed sample of {result.n_checked:,} of the {result.n_places:,} places)"
    return sentence
