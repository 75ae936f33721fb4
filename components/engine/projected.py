"""Coordinates in metres: the coordinate systems they may be in, and how to convert them.

Pure Python (no Streamlit). A file whose "latitude" and "longitude" are eastings and
northings in metres (a national grid, a UTM zone, Web Mercator) cannot be clustered on a
map of degrees. The app does not convert them itself: which system a file is in cannot be
read from its numbers (a UTM zone's values repeat in all sixty zones), so a conversion
would need the person to name the system, and a projection library (pyproj, a large
download with its PROJ database) for a rare case that a GIS or a few lines of Python
settle for good. Instead :func:`projected_advice` says
which common systems the values' ranges fit (:data:`SYSTEMS`, each with the range of
eastings and northings over its area of use), and gives the exact steps to convert the
file: in QGIS, and in Python with pyproj.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from components.engine.messages import Code, Message, message

__all__ = ["SYSTEMS", "CoordinateSystem", "likely_systems", "projected_advice"]

WGS84 = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"
_MAX_SHOWN = 4  # systems named in one message
# A column name goes into the Python snippet as written only when it is plain (no quotes,
# backticks or markup); otherwise the snippet names the columns by placeholders.
_PLAIN_NAME = re.compile(r"[\w .()/-]{1,40}")


@dataclass(frozen=True)
class CoordinateSystem:
    """A projected coordinate system and the eastings and northings of its area of use.

    Attributes
    ----------
    code : str
        Its EPSG code as QGIS and pyproj take it (``EPSG:27700``); a family of systems (the
        UTM zones) holds ``ZZ`` for the zone.
    name : str
        Its name.
    where : str
        Where it is used.
    eastings, northings : (float, float)
        The range of x and y values, in metres, over its area of use (a little wider).
    """

    code: str
    name: str
    where: str
    eastings: tuple[float, float]
    northings: tuple[float, float]

    @property
    def area(self) -> float:
        """The size of the range (a smaller one is a more telling fit)."""
        return (self.eastings[1] - self.eastings[0]) * (self.northings[1] - self.northings[0])

    def fits(self, x: np.ndarray, y: np.ndarray) -> bool:
        """True when every (x, y) lies in the system's range."""
        return bool(
            x.size
            and self.eastings[0] <= x.min()
            and x.max() <= self.eastings[1]
            and self.northings[0] <= y.min()
            and y.max() <= self.northings[1]
        )


_UTM = "EPSG:326ZZ"  # the UTM zones north of the equator (327ZZ south)
# The ranges are each system's area of use (EPSG's, as pyproj gives it), projected, rounded
# out to the kilometre; a UTM zone's are those of any zone, in either hemisphere.
SYSTEMS: tuple[CoordinateSystem, ...] = (
    CoordinateSystem("EPSG:28992", "RD New", "the Netherlands", (0, 285_000), (306_000, 638_000)),
    CoordinateSystem(
        "EPSG:31370", "Belgian Lambert 72", "Belgium", (14_000, 298_000), (20_000, 247_000)
    ),
    CoordinateSystem(
        "EPSG:21781", "Swiss LV03", "Switzerland", (485_000, 838_000), (74_000, 300_000)
    ),
    CoordinateSystem(
        "EPSG:2056", "Swiss LV95", "Switzerland", (2_485_000, 2_838_000), (1_074_000, 1_300_000)
    ),
    CoordinateSystem(
        "EPSG:2157",
        "Irish Transverse Mercator",
        "Ireland",
        (421_000, 786_000),
        (515_000, 969_000),
    ),
    CoordinateSystem(
        "EPSG:27700",
        "British National Grid",
        "Great Britain",
        (-105_000, 689_000),
        (-17_000, 1_257_000),
    ),
    CoordinateSystem(
        "EPSG:2154", "Lambert-93", "France", (-379_000, 1_321_000), (6_005_000, 7_236_000)
    ),
    CoordinateSystem(
        "EPSG:3006", "SWEREF99 TM", "Sweden", (181_000, 1_087_000), (6_090_000, 7_690_000)
    ),
    CoordinateSystem(
        "EPSG:2193",
        "New Zealand Transverse Mercator",
        "New Zealand",
        (987_000, 2_120_000),
        (4_736_000, 6_227_000),
    ),
    CoordinateSystem(
        "EPSG:5070",
        "Conus Albers",
        "the contiguous United States",
        (-2_917_000, 2_946_000),
        (153_000, 3_256_000),
    ),
    CoordinateSystem(
        "EPSG:3577",
        "Australian Albers",
        "Australia",
        (-2_154_000, 2_437_000),
        (-4_929_000, -1_033_000),
    ),
    CoordinateSystem(_UTM, "a UTM zone", "anywhere", (100_000, 900_000), (0, 10_000_000)),
    CoordinateSystem(
        "EPSG:3035", "LAEA Europe", "Europe", (-147_000, 7_825_000), (196_000, 6_972_000)
    ),
    CoordinateSystem(
        WEB_MERCATOR,
        "Web Mercator",
        "web maps",
        (-20_037_509, 20_037_509),
        (-20_048_967, 20_048_967),
    ),
)


def likely_systems(x: np.ndarray, y: np.ndarray) -> tuple[CoordinateSystem, ...]:
    """The systems of :data:`SYSTEMS` whose ranges hold every point, most telling first.

    Parameters
    ----------
    x, y : np.ndarray
        Eastings and northings, finite.

    Returns
    -------
    tuple of CoordinateSystem
        At most :data:`_MAX_SHOWN`, by the size of their range, smallest first (a national
        grid before a UTM zone, a UTM zone before Europe's LAEA), then Web Mercator when it
        fits: it holds any metres within about 20,000 km, so it tells the least, but web
        tools export it most often, so it is always named when it fits.
    """
    fitting = sorted(
        (system for system in SYSTEMS if system.fits(x, y)), key=lambda system: system.area
    )
    web = [system for system in fitting if system.code == WEB_MERCATOR]
    others = [system for system in fitting if system.code != WEB_MERCATOR]
    return tuple(others[: _MAX_SHOWN - len(web)] + web)[:_MAX_SHOWN]


def _system_parts(system: CoordinateSystem) -> list[str | Code]:
    if system.code == _UTM:
        return [
            "a UTM zone (",
            Code("EPSG:326ZZ"),
            " north of the equator, ",
            Code("EPSG:327ZZ"),
            " south of it, ZZ being the zone's number: zone 1 starts at 180 degrees west, "
            "one more every 6 degrees east, zone 31 at 0)",
        ]
    return [f"{system.name} ({system.where}, ", Code(system.code), ")"]


def _python_snippet(source: str, lat_col: str, lon_col: str, delimiter: str) -> tuple[str, bool]:
    """The conversion in Python, and whether it names the file's columns (else placeholders)."""
    named = all(_PLAIN_NAME.fullmatch(name) for name in (lat_col, lon_col))
    northing, easting = (lat_col, lon_col) if named else ("NORTHING COLUMN", "EASTING COLUMN")
    if delimiter:
        separator = "" if delimiter == "," else f", sep={delimiter!r}"
        read = f'places = pd.read_csv("places.csv"{separator})  # your file'
        write = f'places.to_csv("places_degrees.csv", index=False{separator})'
    else:
        read = 'places = pd.read_parquet("places.parquet")  # your file'
        write = 'places.to_parquet("places_degrees.parquet", index=False)'
    lines = (
        "# pip install pandas pyproj",
        "import pandas as pd",
        "from pyproj import Transformer",
        "",
        read,
        f'source = "{source}"  # the coordinate system of your file',
        f'to_degrees = Transformer.from_crs(source, "{WGS84}", always_xy=True)',
        f"longitude, latitude = to_degrees.transform(places[{easting!r}], places[{northing!r}])",
        f"places = places.drop(columns=[{easting!r}, {northing!r}])",
        "places = places.assign(latitude=latitude, longitude=longitude)",
        write,
    )
    return "\n".join(lines), named


def projected_advice(
    latitude: np.ndarray,
    longitude: np.ndarray,
    lat_col: str,
    lon_col: str,
    *,
    delimiter: str = ",",
) -> Message:
    """What to say about coordinates in metres: the systems they may be in, how to convert.

    Parameters
    ----------
    latitude, longitude : np.ndarray
        The finite values of the latitude and longitude columns (northings and eastings).
    lat_col, lon_col : str
        The columns' names (the file's text: shown as text, never as code, and in the
        Python snippet only when plain).
    delimiter : str
        The file's delimiter ("" for a Parquet file).

    Returns
    -------
    Message
        Paragraphs: the systems whose ranges fit (or where to find the system), the steps in
        QGIS, then a Python snippet (a code block) using the first system's code.
    """
    systems = likely_systems(longitude, latitude)
    parts: list[str | Code] = [
        " These look like metres in a projected coordinate system, not degrees. "
    ]
    if systems:
        parts.append("From their range they may be in ")
        for index, system in enumerate(systems):
            if index:
                parts.append(", or " if index == len(systems) - 1 else ", ")
            parts += _system_parts(system)
        parts.append(". ")
    else:
        parts.append("Their range fits none of the common systems. ")
    parts.append(
        "The source of the data names its system (in its documentation, or in the .prj file "
        "beside a shapefile)."
    )
    source = systems[0].code if systems else "EPSG:NNNN"
    parts += [
        "\n\nConvert them to degrees (WGS 84, ",
        Code(WGS84),
        f") and upload the new file. In QGIS{'' if delimiter else ', from a CSV of the table'}"
        ": Layer > Add Layer > Add Delimited Text Layer; choose the file; under Geometry "
        f"Definition choose Point Coordinates, X field '{lon_col}', Y field '{lat_col}' and, as "
        "Geometry CRS, the file's system (e.g. ",
        Code(source),
        "); press Add. Then right-click the new layer > Export > Save Features As: Format "
        "'Comma Separated Value [CSV]', CRS ",
        Code(WGS84),
        f", untick '{lon_col}' and '{lat_col}' under 'Select fields to export and their export "
        "options', and under Layer Options set GEOMETRY to ",
        Code("AS_XY"),
        ". The saved file has the degrees in columns X (longitude) and Y (latitude).",
    ]
    snippet, named = _python_snippet(source, lat_col, lon_col, delimiter)
    changes = [] if named else ["your two column names in place of the capitals"]
    if source == _UTM:
        changes.append("your zone's number in place of ZZ")
    elif not systems:
        changes.append("your system's EPSG number in place of NNNN")
    with_changes = f" (with {' and '.join(changes)})" if changes else ""
    parts += [f"\n\nOr in Python{with_changes}:\n\n", Code(snippet, "python")]
    return message(*parts)
