"""CSV downloads that are safe to open in a spreadsheet.

Pure Python (no Streamlit). A spreadsheet treats a cell that starts with ``=``,
``+``, ``-`` or ``@`` (or a tab / carriage return before one) as a formula, so a
text value from an uploaded file could run a formula on the analyst's machine
("CSV injection"). Such text cells, and column names, get a leading apostrophe,
which spreadsheets show as plain text. Numeric columns are written unchanged.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text value that a spreadsheet would read as a formula with an apostrophe.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` values are changed.

    Returns
    -------
    object
        ``"'" + value`` for a risky string, else ``value`` unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """Write a frame as UTF-8 CSV with formula-like text cells neutralised.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to export; its index is not written.

    Returns
    -------
    bytes
        The CSV text, UTF-8 encoded.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}.")
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        # Only text-like columns can hold formulas; numbers are left exactly as they are.
        if (
            pd.api.types.is_object_dtype(series)
            or pd.api.types.is_string_dtype(series)
            or isinstance(series.dtype, pd.CategoricalDtype)
        ):
            safe[column] = series.map(neutralise_cell).astype(object)
    safe.columns = [neutralise_cell(str(name)) for name in safe.columns]
    # CRLF line ends make the csv writer quote any cell holding a lone "\r" as well as
    # "\n"; with "\n" alone, "x\r=cmd" would split into a new row starting "=cmd".
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
