"""Load, download and validate the California housing data set.

Pure Python: this module never imports Streamlit, so it runs in tests, benchmarks
and notebooks alike. The data is looked up, in order, at an explicit path, at the
path in the ``GEOCLUSTER_DATA`` environment variable, and at ``data/housing.csv``;
when none exists it is downloaded once, its sha256 checked, and written atomically
to ``data/housing.csv`` (a temporary file renamed into place, so a failed or
interrupted download never leaves a partial file behind).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from components.engine.features import add_derived_features

DATA_URL = (
    "https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/housing.csv"
)
DATA_SHA256 = "8a3727f4cf54ac1a327f69b1d5b4db54c5834ea81c6e4efc0d163300022a685e"
DATA_ENV_VAR = "GEOCLUSTER_DATA"
# Set to a URL to download from elsewhere (tests use a server on 127.0.0.1), or to
# "off" to never download (an offline demo machine).
DATA_URL_ENV_VAR = "GEOCLUSTER_DATA_URL"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_PATH = PROJECT_ROOT / "data" / "housing.csv"

HOUSING_COLUMNS: tuple[str, ...] = (
    "longitude",
    "latitude",
    "housing_median_age",
    "total_rooms",
    "total_bedrooms",
    "population",
    "households",
    "median_income",
    "median_house_value",
    "ocean_proximity",
)
NUMERIC_COLUMNS: tuple[str, ...] = HOUSING_COLUMNS[:-1]
CATEGORICAL_COLUMNS: tuple[str, ...] = ("ocean_proximity",)
_READ_CHUNK_BYTES = 1 << 16

ProgressCallback = Callable[[int, int | None], None]


class DataUnavailableError(RuntimeError):
    """The data set could not be found, downloaded or verified."""


class DataValidationError(ValueError):
    """A data frame does not have the shape or values the app needs."""


@dataclass(frozen=True)
class ValidationReport:
    """What validation found in a frame that passed.

    Attributes
    ----------
    n_rows : int
        Number of rows.
    missing_by_column : dict[str, int]
        Count of missing or non-finite values per numeric column (only columns with any).
    notes : tuple[str, ...]
        Plain-language notes for the user (missing values, capped values).
    """

    n_rows: int
    missing_by_column: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HousingData:
    """The loaded housing data and where it came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The validated rows, with the derived ratio columns added.
    source : str
        Path the data was read from.
    report : ValidationReport
        What validation found.
    downloaded : bool
        True when this call downloaded the file.
    """

    frame: pd.DataFrame
    source: str
    report: ValidationReport
    downloaded: bool = False


def _manual_instructions(destination: Path) -> str:
    return (
        "To use a local copy, download housing.csv by hand from "
        f"{DATA_URL} and either save it as {destination}, set the environment variable "
        f"{DATA_ENV_VAR} to its path, or upload it in the app."
    )


def locate_data(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    default_path: Path = DEFAULT_DATA_PATH,
) -> Path | None:
    """Find the housing CSV on disk without downloading.

    Parameters
    ----------
    path : path-like, optional
        An explicit path. When given it must exist.
    environ : mapping, optional
        Environment to read ``GEOCLUSTER_DATA`` from (default: ``os.environ``).
    default_path : Path
        The cache location, ``data/housing.csv``.

    Returns
    -------
    Path or None
        The first existing candidate, or None when there is none.

    Raises
    ------
    DataUnavailableError
        If an explicit path, or the path in ``GEOCLUSTER_DATA``, does not exist:
        a path the user named must never be silently replaced by another file.
    """
    environment = os.environ if environ is None else environ
    if path is not None:
        candidate = Path(path)
        if not candidate.is_file():
            raise DataUnavailableError(
                f"The data file {candidate} does not exist. {_manual_instructions(default_path)}"
            )
        return candidate
    env_value = environment.get(DATA_ENV_VAR, "").strip()
    if env_value:
        candidate = Path(env_value)
        if not candidate.is_file():
            raise DataUnavailableError(
                f"{DATA_ENV_VAR} points to {candidate}, which does not exist. "
                f"Fix or unset {DATA_ENV_VAR}. {_manual_instructions(default_path)}"
            )
        return candidate
    return default_path if default_path.is_file() else None


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    str
        Lower-case hex digest.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_READ_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_data(
    destination: Path = DEFAULT_DATA_PATH,
    *,
    url: str = DATA_URL,
    sha256: str = DATA_SHA256,
    timeout: float = 30.0,
    progress: ProgressCallback | None = None,
) -> Path:
    """Download the data set, verify its checksum and write it atomically.

    Parameters
    ----------
    destination : Path
        Where to store the file (its folder is created if needed).
    url : str
        Where to download from.
    sha256 : str
        Expected hex sha256 of the bytes.
    timeout : float
        Socket timeout in seconds.
    progress : callable, optional
        Called as ``progress(bytes_done, bytes_total_or_None)`` while downloading.

    Returns
    -------
    Path
        ``destination``, now holding verified bytes.

    Raises
    ------
    DataUnavailableError
        On a network failure or a checksum mismatch; no file is left behind.
    """
    if timeout <= 0:
        raise ValueError(f"timeout={timeout!r} must be a positive number of seconds.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    # The temporary file lives beside the destination so the final rename is atomic
    # (same file system); it is removed on every failure path.
    descriptor, temporary_name = tempfile.mkstemp(
        dir=destination.parent, prefix=".housing-", suffix=".part"
    )
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    length_header = response.headers.get("Content-Length")
                    total = int(length_header) if length_header else None
                    done = 0
                    while chunk := response.read(_READ_CHUNK_BYTES):
                        handle.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
            except (urllib.error.URLError, OSError, ValueError) as error:
                raise DataUnavailableError(
                    f"Could not download the data from {url}: {error}. "
                    f"{_manual_instructions(destination)}"
                ) from error
        actual = digest.hexdigest()
        if actual != sha256:
            raise DataUnavailableError(
                f"The file downloaded from {url} has sha256 {actual}, expected {sha256}; "
                f"it was discarded. {_manual_instructions(destination)}"
            )
        temporary.chmod(0o644)  # mkstemp creates 0600; the cache is a public data set
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return destination


def validate_frame(
    frame: pd.DataFrame, required_columns: tuple[str, ...] = HOUSING_COLUMNS
) -> ValidationReport:
    """Check a frame has the columns and value ranges the app needs.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to check.
    required_columns : tuple of str
        Columns that must be present. Those among the housing numeric columns must
        be numeric.

    Returns
    -------
    ValidationReport
        Row count, missing values per column, and notes.

    Raises
    ------
    DataValidationError
        If the frame is empty, a column is missing or not numeric, or latitude /
        longitude fall outside [-90, 90] / [-180, 180].
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    if len(frame) == 0:
        raise DataValidationError("The data has no rows; expected at least one data row.")
    missing_columns = [name for name in required_columns if name not in frame.columns]
    if missing_columns:
        raise DataValidationError(
            f"Missing required column(s): {', '.join(missing_columns)}. "
            f"Expected the columns: {', '.join(required_columns)}."
        )
    numeric_required = [name for name in required_columns if name in NUMERIC_COLUMNS]
    not_numeric = [
        name for name in numeric_required if not pd.api.types.is_numeric_dtype(frame[name])
    ]
    if not_numeric:
        raise DataValidationError(
            f"Column(s) {', '.join(not_numeric)} must be numeric but hold text; "
            "check the file's delimiter and that numbers use '.' as the decimal point."
        )
    for column, low, high in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
        if column not in frame.columns:
            continue
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
        finite = values[np.isfinite(values)]
        bad = finite[(finite < low) | (finite > high)]
        if bad.size:
            raise DataValidationError(
                f"{bad.size} {column} value(s) out of range, e.g. {bad[0]:g}; "
                f"{column} must lie in [{low:g}, {high:g}] degrees."
            )
    missing_by_column: dict[str, int] = {}
    for name in numeric_required:
        values = frame[name].to_numpy(dtype=float, na_value=np.nan)
        count = int((~np.isfinite(values)).sum())
        if count:
            missing_by_column[name] = count
    notes = [
        f"{count:,} row(s) have no value for {name}; they are reported wherever "
        f"{name} is used (excluded or imputed, as you choose)."
        for name, count in missing_by_column.items()
    ]
    if "median_house_value" in frame.columns:
        capped = int((frame["median_house_value"] >= 500_001).sum())
        if capped:
            notes.append(
                f"{capped:,} rows have median_house_value at the census cap of 500,001 USD; "
                "their true value is at least that."
            )
    if "housing_median_age" in frame.columns:
        capped = int((frame["housing_median_age"] >= 52).sum())
        if capped:
            notes.append(f"{capped:,} rows have housing_median_age at the cap of 52 years.")
    return ValidationReport(
        n_rows=len(frame), missing_by_column=missing_by_column, notes=tuple(notes)
    )


def read_housing_csv(source: str | os.PathLike[str] | IO[bytes] | IO[str]) -> pd.DataFrame:
    """Read and validate a housing CSV from a path or an open file.

    Parameters
    ----------
    source : path-like or file-like
        The CSV (an uploaded file works too).

    Returns
    -------
    pandas.DataFrame
        The validated rows with the derived ratio columns added.

    Raises
    ------
    DataValidationError
        If the bytes are not a readable CSV or fail :func:`validate_frame`.
    """
    frame, _ = _read_and_validate(source)
    return frame


def _read_and_validate(
    source: str | os.PathLike[str] | IO[bytes] | IO[str],
) -> tuple[pd.DataFrame, ValidationReport]:
    try:
        if isinstance(source, (str, os.PathLike)):
            frame = pd.read_csv(source)
        else:
            raw = source.read()
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            frame = pd.read_csv(io.StringIO(text))
    except UnicodeDecodeError as error:
        raise DataValidationError(
            f"The file is not UTF-8 text ({error.reason} at byte {error.start}); "
            "save it as CSV UTF-8 and try again."
        ) from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataValidationError(
            f"The file could not be read as CSV: {error}. Expected a comma-separated file "
            f"with a header row naming {', '.join(HOUSING_COLUMNS)}."
        ) from error
    report = validate_frame(frame)
    return add_derived_features(frame), report


def load_housing(
    path: str | os.PathLike[str] | None = None,
    *,
    allow_download: bool = True,
    environ: Mapping[str, str] | None = None,
    default_path: Path = DEFAULT_DATA_PATH,
    url: str | None = None,
    progress: ProgressCallback | None = None,
) -> HousingData:
    """Load the housing data, downloading and caching it on first use.

    Parameters
    ----------
    path : path-like, optional
        Explicit path to the CSV.
    allow_download : bool
        Download when no local copy exists.
    environ : mapping, optional
        Environment for ``GEOCLUSTER_DATA`` and ``GEOCLUSTER_DATA_URL``
        (default ``os.environ``).
    default_path : Path
        Cache location (``data/housing.csv``).
    url : str, optional
        Download URL; default from ``GEOCLUSTER_DATA_URL`` or :data:`DATA_URL`.
        ``GEOCLUSTER_DATA_URL=off`` disables downloading.
    progress : callable, optional
        Download progress callback, see :func:`download_data`.

    Returns
    -------
    HousingData
        The validated frame, its source and the validation report.

    Raises
    ------
    DataUnavailableError
        When no local copy exists and downloading is disabled or fails.
    DataValidationError
        When the file is not a valid housing CSV.
    """
    environment = os.environ if environ is None else environ
    located = locate_data(path, environ=environment, default_path=default_path)
    downloaded = False
    if located is None:
        download_url = url or environment.get(DATA_URL_ENV_VAR, "").strip() or DATA_URL
        if not allow_download or download_url.lower() == "off":
            raise DataUnavailableError(
                f"No local copy of the data at {default_path} and downloading is off. "
                f"{_manual_instructions(default_path)}"
            )
        located = download_data(default_path, url=download_url, progress=progress)
        downloaded = True
    frame, report = _read_and_validate(located)
    return HousingData(frame=frame, source=str(located), report=report, downloaded=downloaded)
