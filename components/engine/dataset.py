"""The one table of places every page works on, whatever file it came from.

A :class:`Dataset` is a :class:`~components.engine.upload.PlacesData` whose coordinate
columns are named ``latitude`` and ``longitude``, plus what the pages need to speak of it:
a label per column, the features and value column to start from, and what only some data
have (the census data's train/test split, its category column, its caps). The housing
data and an uploaded file become one by :func:`housing_dataset` and :func:`places_dataset`;
from there the pipeline (settings, model, views, map) is the same for both. A sample of a
distributed sweep's rows is a file of places whose start (features, scaler) is the sweep's,
set by :func:`with_start`.

Naming the coordinates once here is what lets every later step say ``latitude`` without
carrying the file's own column names; :attr:`Dataset.original_names` gives them back for
labels and downloads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from components.engine.data import HousingData
from components.engine.extent import map_extent
from components.engine.features import DEFAULT_FEATURES, FEATURE_CATALOGUE, Feature
from components.engine.upload import PlacesData

LATITUDE = "latitude"
LONGITUDE = "longitude"
LOCATION: tuple[str, str] = (LATITUDE, LONGITUDE)


@dataclass(frozen=True)
class Dataset:
    """A validated table of places, with what the pages say about its columns.

    Attributes
    ----------
    places : PlacesData
        The rows; its coordinate columns are ``latitude`` and ``longitude``.
    name : str
        What to call the data on the page (a file's name, never a server path).
    sha256 : str
        sha256 of the file's bytes.
    catalogue : Mapping[str, Feature]
        Described columns (labels, units, caps); empty for a file of places.
    default_features : tuple of str
        The features a first visit clusters on.
    value_column : str
        The column the legend, box plot and profile start with.
    original_names : Mapping[str, str]
        The file's own name of every renamed column (the coordinates, and a column that
        had one of their names without being chosen).
    income_column, category_column : str or None
        The census data's income and its category (ocean proximity); None elsewhere.
    has_split : bool
        Whether the tutorial's train/test split is offered (the census data only).
    default_scaler : str
        The scaler a first visit uses, a key of :data:`components.engine.scaling.SCALERS`.
    default_location_weight : float
        The geographic scaler's location weight a first visit uses.
    sampled_from : int
        Rows of the data set these rows are a random sample of; 0 when they are all of it.
    """

    places: PlacesData
    name: str
    sha256: str
    catalogue: Mapping[str, Feature] = field(default_factory=dict)
    default_features: tuple[str, ...] = LOCATION
    value_column: str = LATITUDE
    original_names: Mapping[str, str] = field(default_factory=dict)
    income_column: str | None = None
    category_column: str | None = None
    has_split: bool = False
    default_scaler: str = "standard"
    default_location_weight: float = 1.0
    sampled_from: int = 0

    @property
    def n_rows(self) -> int:
        """Rows with both coordinates."""
        return self.places.n_rows

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """Columns that may be clustered on or summarised (coordinates included)."""
        return self.places.numeric_columns

    @property
    def is_census(self) -> bool:
        """Whether these are the California housing block groups (the built-in demo)."""
        return bool(self.catalogue)

    @property
    def place_word(self) -> str:
        """What one row is called on the page."""
        return "block groups" if self.is_census else "places"

    def label(self, column: str) -> str:
        """Human label of a column: the catalogue's, else the file's own name."""
        described = self.catalogue.get(column)
        return described.label if described is not None else self.original_names.get(column, column)

    def cap(self, column: str) -> float | None:
        """The census top-code of a column, if it has one."""
        described = self.catalogue.get(column)
        return described.cap if described is not None else None

    def unit(self, column: str) -> str:
        """The unit of a column ("" when not known)."""
        described = self.catalogue.get(column)
        return described.unit if described is not None else ""


def housing_dataset(housing: HousingData, name: str) -> Dataset:
    """The census data as a :class:`Dataset` (its columns described by the catalogue).

    Parameters
    ----------
    housing : HousingData
        The validated data, derived ratios included.
    name : str
        What to call it on the page.

    Returns
    -------
    Dataset
        Every numeric catalogue column may be clustered on; ocean proximity is its category.
    """
    frame = housing.frame.reset_index(drop=True)
    numeric = tuple(column for column in FEATURE_CATALOGUE if column in frame.columns)
    places = PlacesData(
        frame=frame,
        lat_col=LATITUDE,
        lon_col=LONGITUDE,
        numeric_columns=numeric,
        feature_columns=tuple(column for column in numeric if column not in LOCATION),
        extent=map_extent(frame[LATITUDE].to_numpy(), frame[LONGITUDE].to_numpy()),
        delimiter=",",
        notes=housing.notes,
    )
    return Dataset(
        places,
        name,
        housing.sha256,
        catalogue=FEATURE_CATALOGUE,
        default_features=DEFAULT_FEATURES,
        value_column="median_house_value",
        income_column="median_income",
        category_column="ocean_proximity" if "ocean_proximity" in frame.columns else None,
        has_split=True,
    )


def _free_name(name: str, taken: set[str]) -> str:
    """``name`` with a suffix that no column of the file has."""
    candidate, number = f"{name} (file)", 2
    while candidate in taken:
        candidate, number = f"{name} (file {number})", number + 1
    return candidate


def places_dataset(places: PlacesData, name: str, sha256: str) -> Dataset:
    """A file of places as a :class:`Dataset`: its coordinates renamed, nothing else changed.

    Parameters
    ----------
    places : PlacesData
        The validated file.
    name : str
        The file's name, as the user's browser gave it.
    sha256 : str
        sha256 of its bytes.

    Returns
    -------
    Dataset
        Clustered by location and its first varying numeric column to start with.
    """
    chosen = (places.lat_col, places.lon_col)
    taken = set(places.frame.columns)
    renamed = {  # a column named like a coordinate that was not chosen
        name: _free_name(name, taken) for name in LOCATION if name in taken and name not in chosen
    }
    renamed |= {old: new for old, new in zip(chosen, LOCATION, strict=True) if old != new}

    def new(column: str) -> str:
        return renamed.get(column, column)

    frame = places.frame.rename(columns=renamed) if renamed else places.frame
    kept = replace(
        places,
        frame=frame,
        lat_col=LATITUDE,
        lon_col=LONGITUDE,
        numeric_columns=tuple(map(new, places.numeric_columns)),
        feature_columns=tuple(map(new, places.feature_columns)),
    )
    features = kept.feature_columns
    return Dataset(
        places=kept,
        name=name,
        sha256=sha256,
        default_features=(*LOCATION, *features[:1]),
        value_column=features[0] if features else LATITUDE,
        original_names={new_name: old for old, new_name in renamed.items()},
    )


def with_start(
    dataset: Dataset,
    features: Sequence[str],
    *,
    scaler: str,
    location_weight: float,
    sampled_from: int = 0,
) -> Dataset:
    """The data starting from given features and scaler (e.g. those of a distributed sweep).

    Parameters
    ----------
    dataset : Dataset
        From :func:`places_dataset`.
    features : sequence of str
        The features to start from, by the file's own names (a coordinate column is found
        under ``latitude`` or ``longitude``); those that are not numeric columns are left out.
    scaler : str
        The scaler to start from.
    location_weight : float
        The geographic scaler's weight to start from.
    sampled_from : int
        Rows of the data set ``dataset`` is a random sample of (0: all of it).

    Returns
    -------
    Dataset
        The same rows; its value column the first chosen feature besides the location. With
        no usable feature, the data's own defaults are kept.
    """
    new_names = {old: new for new, old in dataset.original_names.items()}
    chosen = tuple(
        name
        for name in dict.fromkeys(new_names.get(feature, feature) for feature in features)
        if name in dataset.numeric_columns
    )
    return replace(
        dataset,
        default_features=chosen or dataset.default_features,
        value_column=next((name for name in chosen if name not in LOCATION), dataset.value_column),
        default_scaler=scaler,
        default_location_weight=float(location_weight),
        sampled_from=int(sampled_from),
    )
