"""Load and validate the California housing data set.

Pure Python: this module never imports Streamlit, so it runs in tests, benchmarks
and notebooks alike. The data ships with the app as ``data/housing.csv.gz``, so it
loads with no network. It is looked up, in order, at an explicit path, at the path
in the ``GEOCLUSTER_DATA`` environment variable, and at the shipped file, whose
decompressed bytes must match the published sha256. Another file may differ from the
published one; :func:`published_note` says so, with its row count against 20,640.

A file is bounded before it is parsed, like an upload (:mod:`components.engine.csv_limits`:
size, line length, columns, lines), and read by the upload's rules of text
(:mod:`components.engine.csv_text`: not a binary file, UTF-8, no row longer than the
header). Messages name a file by its name only (the shipped file as
``data/housing.csv.gz``), never by the server's full path, since they are shown to every
visitor; a directory, a file that is not a regular file and a file the app may not read
each get their own message. Their commands, paths and the environment variable's name are
:class:`~components.engine.messages.Code` parts of a
:class:`~components.engine.messages.Message`, which a page shows as code.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shlex
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from components.engine.csv_limits import MAX_CSV_BYTES, check_csv_limits, check_size
from components.engine.csv_text import check_text, decode_utf8, shown_names, table_problem
from components.engine.features import add_derived_features, missing_by_name
from components.engine.messages import Code, Message, message

# The published sha256 of housing.csv (README, "The data"); the shipped file is that
# file, gzip-compressed, so its decompressed bytes must hash to this.
DATA_SHA256 = "8a3727f4cf54ac1a327f69b1d5b4db54c5834ea81c6e4efc0d163300022a685e"
DATA_ENV_VAR = "GEOCLUSTER_DATA"
PUBLISHED_ROWS = 20_640  # data rows of the published housing.csv
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_DATA_PATH = PROJECT_ROOT / "data" / "housing.csv.gz"

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


class DataUnavailableError(RuntimeError):
    """The data set could not be found.

    Its message (``args[0]``) is often a :class:`~components.engine.messages.Message`,
    whose code parts (commands, paths) a page shows as code.
    """


class DataValidationError(ValueError):
    """A data frame does not have the shape or values the app needs (message: as above)."""


@dataclass(frozen=True)
class HousingData:
    """The loaded housing data and where it came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The validated rows, with the derived ratio columns added.
    source : str
        Path the data was read from.
    notes : tuple[str, ...]
        What validation found, in plain language for the user (missing and capped values).
    sha256 : str
        sha256 of the CSV's bytes (decompressed); "" when not known.
    """

    frame: pd.DataFrame
    source: str
    notes: tuple[str, ...]
    sha256: str = ""


def shown_path(path: str | os.PathLike[str]) -> str:
    """A data file's name for messages: relative to the project inside it, else the name.

    Messages reach every visitor, so the server's directories never appear in them.
    """
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(PROJECT_ROOT).as_posix()
    except (ValueError, OSError):
        return candidate.name or str(path)


def published_note(sha256: str, n_rows: int, name: str) -> str | None:
    """Say that a data file is not the published data set, or None when it is.

    Parameters
    ----------
    sha256 : str
        sha256 of the file's CSV bytes (decompressed); "" when unknown (no note).
    n_rows : int
        Its data rows.
    name : str
        How to name it to the user (e.g. its file name).

    Returns
    -------
    str or None
        One sentence with its row count against the published 20,640.
    """
    if not sha256 or sha256 == DATA_SHA256:
        return None
    return (
        f"The data ({name}) is not the published California housing data set: its sha256 "
        f"differs, and it has {n_rows:,} rows against the published {PUBLISHED_ROWS:,}. "
        "Results may differ from the tutorial's."
    )


def _manual_instructions() -> Message:
    return message(
        "The app ships the data as ",
        Code(shown_path(SHIPPED_DATA_PATH)),
        ": restore that file (in a git clone: ",
        Code(f"git checkout -- data/{SHIPPED_DATA_PATH.name}"),
        "), or set the environment variable ",
        Code(DATA_ENV_VAR),
        " to a copy of ",
        Code("housing.csv"),
        ", or upload the CSV in the app.",
    )


def locate_data(path: str | os.PathLike[str] | None = None) -> Path:
    """Find the housing data on disk: explicit path, then GEOCLUSTER_DATA, then shipped.

    ``GEOCLUSTER_DATA`` and :data:`SHIPPED_DATA_PATH` are read at call time, so that tests
    can point them elsewhere.

    Parameters
    ----------
    path : path-like, optional
        An explicit path. When given it must exist.

    Returns
    -------
    Path
        The first candidate: a CSV, or a gzip-compressed CSV (``.gz``).

    Raises
    ------
    DataUnavailableError
        If an explicit path, or the path in ``GEOCLUSTER_DATA``, does not exist or is
        not a regular file (a path the user named must never be silently replaced by
        another file), or if neither is given and the shipped file is missing.
    """
    if path is not None:
        candidate = Path(path)
        _check_is_file(candidate, message("The data file ", Code(shown_path(candidate))))
        return candidate
    env_value = os.environ.get(DATA_ENV_VAR, "").strip()
    if env_value:
        candidate = Path(env_value)
        _check_is_file(
            candidate,
            message(Code(DATA_ENV_VAR), " points to ", Code(shown_path(candidate)), ", which"),
            fix=message("Fix or unset ", Code(DATA_ENV_VAR), ". "),
        )
        return candidate
    if not SHIPPED_DATA_PATH.is_file():
        raise DataUnavailableError(
            message(
                "The shipped data file ",
                Code(shown_path(SHIPPED_DATA_PATH)),
                " is missing. ",
                _manual_instructions(),
            )
        )
    return SHIPPED_DATA_PATH


def _check_is_file(candidate: Path, lead: Message, fix: Message | str = "") -> None:
    """Raise DataUnavailableError unless ``candidate`` is a regular file.

    ``lead`` starts the sentence ("The data file x.csv", or "GEOCLUSTER_DATA points to
    x.csv, which"); the problem follows it.
    """
    try:
        if candidate.is_file():
            return
        exists, is_dir = candidate.exists(), candidate.is_dir()
    except OSError:  # e.g. a parent folder the app may not enter
        exists, is_dir = False, False
    if is_dir:
        problem = message(
            " is a directory, not a file: name the CSV file itself (",
            Code("housing.csv"),
            " or ",
            Code("housing.csv.gz"),
            "). ",
        )
    elif exists:
        problem = message(" is not a regular file (a pipe, socket or device): name a CSV file. ")
    else:
        problem = message(" does not exist. ")
    raise DataUnavailableError(message(lead, problem, fix, _manual_instructions()))


def unreadable_message(path: Path, error: OSError) -> Message:
    """The message for a data file that exists but cannot be read (no server path in it).

    Parameters
    ----------
    path : Path
        The file.
    error : OSError
        What opening or reading it raised (``PermissionError`` for a file the app may not read).

    Returns
    -------
    Message
        What is wrong and what to do; the file's name, the command and the environment
        variable are code.
    """
    name = Code(shown_path(path))
    if isinstance(error, PermissionError):
        problem = message(
            "The data file ",
            name,
            " cannot be read: permission denied. Let the user that runs the app read it (e.g. ",
            Code(f"chmod a+r {shlex.quote(path.name)}"),
            "), or point ",
            Code(DATA_ENV_VAR),
            " at a readable copy.",
        )
    elif isinstance(error, IsADirectoryError):
        problem = message(
            "The data file ", name, " is a directory, not a file: name the CSV file itself."
        )
    else:
        # The system's own words ("Input/output error"), never the exception's class name.
        reason = error.strerror or "the system did not say why"
        problem = message("The data file ", name, f" cannot be read: {reason}.")
    return message(problem, " ", _manual_instructions())


def read_data_bytes(path: Path) -> bytes:
    """Read a data file's CSV bytes, decompressing a ``.gz`` and checking the shipped one.

    Parameters
    ----------
    path : Path
        A CSV, or a gzip-compressed CSV (name ending in ``.gz``); when it is the shipped
        file (:data:`SHIPPED_DATA_PATH`), its decompressed bytes must match :data:`DATA_SHA256`.

    Returns
    -------
    bytes
        The CSV's bytes (decompressed).

    Raises
    ------
    DataValidationError
        If a ``.gz`` file is corrupt or truncated, the CSV is larger than 100 MB, or the
        shipped file's bytes differ from the published data set; the message names the
        file and how to fix it.
    DataUnavailableError
        If the file cannot be read (e.g. permission denied); see :func:`unreadable_message`.
    """
    name = shown_path(path)
    try:
        check_size(path.stat().st_size, MAX_CSV_BYTES, error=DataValidationError)
        raw = path.read_bytes()
    except OSError as error:  # the error's text holds the full path: not chained
        raise DataUnavailableError(unreadable_message(path, error)) from None
    if path.suffix == ".gz":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
                raw = unpacked.read(MAX_CSV_BYTES + 1)  # a small file may unpack to a huge one
        # BadGzipFile (an OSError) for a wrong header, EOFError for a truncated file,
        # zlib.error for damaged compressed data; a failed CRC is a BadGzipFile too.
        except (OSError, EOFError, zlib.error) as error:
            raise DataValidationError(
                message(
                    "The data file ",
                    Code(name),
                    " is not a readable gzip file: it is damaged or was cut short. ",
                    _manual_instructions(),
                )
            ) from error
        check_size(len(raw), MAX_CSV_BYTES, error=DataValidationError)
    if path.resolve() == SHIPPED_DATA_PATH.resolve():
        actual = hashlib.sha256(raw).hexdigest()
        if actual != DATA_SHA256:
            raise DataValidationError(
                message(
                    "The data file ",
                    Code(name),
                    " does not hold the published data set: its decompressed bytes have "
                    f"sha256 {actual}, expected {DATA_SHA256}. ",
                    _manual_instructions(),
                )
            )
    return raw


def validate_frame(frame: pd.DataFrame) -> tuple[str, ...]:
    """Check a frame has the housing columns and the value ranges the app needs.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to check: every one of :data:`HOUSING_COLUMNS`, numeric but the last.

    Returns
    -------
    tuple of str
        Plain-language notes for the user (missing values per column, capped values).

    Raises
    ------
    DataValidationError
        If the frame is empty, a column is missing or not numeric, or latitude /
        longitude fall outside [-90, 90] / [-180, 180].
    """
    if len(frame) == 0:
        raise DataValidationError("The data has no rows; expected at least one data row.")
    missing_columns = [name for name in HOUSING_COLUMNS if name not in frame.columns]
    if missing_columns:
        present = shown_names(list(frame.columns), 12)
        if len(missing_columns) == len(HOUSING_COLUMNS):
            raise DataValidationError(
                f"Missing required column(s): the file has none of the housing data's columns. "
                f"Its columns are {present}; the housing data's are "
                f"{', '.join(HOUSING_COLUMNS)}."
            )
        raise DataValidationError(
            f"Missing required column(s): {', '.join(missing_columns)}. The file's columns "
            f"are {present}."
        )
    not_numeric = [
        name for name in NUMERIC_COLUMNS if not pd.api.types.is_numeric_dtype(frame[name])
    ]
    if not_numeric:
        raise DataValidationError(
            f"Column(s) {', '.join(not_numeric)} must be numeric but hold text; "
            "check the file's delimiter and that numbers use '.' as the decimal point."
        )
    for column, low, high in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
        finite = values[np.isfinite(values)]
        bad = finite[(finite < low) | (finite > high)]
        if bad.size:
            raise DataValidationError(
                f"{bad.size} {column} value(s) out of range, e.g. {bad[0]:g}; "
                f"{column} must lie in [{low:g}, {high:g}] degrees."
            )
    numbers = frame[list(NUMERIC_COLUMNS)].to_numpy(dtype=float, na_value=np.nan)
    missing_by_column, _ = missing_by_name(NUMERIC_COLUMNS, numbers)
    notes = [
        f"{count:,} row(s) have no value for {name}; they are reported wherever "
        f"{name} is used (excluded or imputed, as you choose)."
        for name, count in missing_by_column.items()
    ]
    capped = int((frame["median_house_value"] >= 500_001).sum())
    if capped:
        notes.append(
            f"{capped:,} rows have median_house_value at the census cap of 500,001 USD; "
            "their true value is at least that."
        )
    capped = int((frame["housing_median_age"] >= 52).sum())
    if capped:
        notes.append(f"{capped:,} rows have housing_median_age at the cap of 52 years.")
    return tuple(notes)


def _read_and_validate(data: bytes) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Parse the CSV bytes (sized by :func:`read_data_bytes`) and validate the frame."""
    empty = DataValidationError(
        "The file is empty: it has no header row. Expected a comma-separated file with a "
        f"header row naming {', '.join(HOUSING_COLUMNS)}, then one row per district."
    )
    if not data.strip():
        raise empty
    check_text(data, error=DataValidationError)
    check_csv_limits(data, delimiter=",", error=DataValidationError)
    text = decode_utf8(data, error=DataValidationError)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except pd.errors.EmptyDataError as error:
        raise empty from error
    except pd.errors.ParserError as error:
        raise DataValidationError(table_problem(text, ",")) from error
    if not isinstance(frame.index, pd.RangeIndex):
        # More values on the first row than the header names: pandas would take the first
        # column as the index and shift every value one column to the left. Refused instead.
        raise DataValidationError(table_problem(text, ","))
    return add_derived_features(frame), validate_frame(frame)


def load_housing(path: str | os.PathLike[str] | None = None) -> HousingData:
    """Load and validate the housing data, by default the file shipped with the app.

    Parameters
    ----------
    path : path-like, optional
        Explicit path to the CSV (``.gz`` allowed); else ``GEOCLUSTER_DATA``, else the
        shipped file (see :func:`locate_data`).

    Returns
    -------
    HousingData
        The validated frame, its source and the validation's notes.

    Raises
    ------
    DataUnavailableError
        When the named file, or the shipped one, does not exist.
    DataValidationError
        When the file is damaged, differs from the published data (shipped file) or
        is not a valid housing CSV.
    """
    located = locate_data(path)
    raw = read_data_bytes(located)
    frame, notes = _read_and_validate(raw)
    return HousingData(
        frame=frame, source=str(located), notes=notes, sha256=hashlib.sha256(raw).hexdigest()
    )
