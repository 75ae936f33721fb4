"""Text cells read as numbers, the way spreadsheets and databases write them.

Pure Python (no Streamlit). :func:`column_numbers` reads one column of an uploaded file
(:mod:`components.engine.upload`): the usual spellings of a missing value (``NA``, ``N/A``,
``null``, ``nan``, ``-``, ``#N/A``, ...) and infinite values (``inf``, ``-inf``) are read as
missing, thousands separators (``1,234.5``; ``1.234,5`` with a decimal comma) and a decimal
comma (``34,05``) as numbers, and any other text makes the column text. What changed is
counted per column in a :class:`ColumnCoercion`, for the page to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Cells read as a missing value (compared stripped and in lower case): what spreadsheets,
# databases, R, pandas and SAS write for "no value". The empty cell is missing too, silently.
MISSING_WORDS: frozenset[str] = frozenset(
    {
        "na", "n/a", "n.a.", "nan", "-nan", "null", "none", "nil", "missing", "<na>",
        "-", "--", "?", ".", "#n/a", "#na", "#n/a n/a", "#null!", "#value!", "#div/0!",
        "#ref!", "#num!", "#name?", "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan",
    }
)  # fmt: skip
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (thousands groups)
# 1,234.5 / 1 234.5: thousands groups of three digits, a decimal point.
_THOUSANDS_POINT = re.compile(rf"[+-]?\d{{1,3}}(?:[,{_SPACES}]\d{{3}})+(?:\.\d*)?")
# With a decimal comma (semicolon files): 1.234,5 / 1 234,5 / 34,05.
_THOUSANDS_COMMA = re.compile(rf"[+-]?\d{{1,3}}(?:[.{_SPACES}]\d{{3}})+(?:,\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


@dataclass(frozen=True)
class ColumnCoercion:
    """What reading one column as numbers changed (a column where nothing changed has none).

    Attributes
    ----------
    column : str
        The column.
    missing_words : tuple of (str, int)
        Each spelling of a missing value found (as first written, e.g. "NA") and its cells,
        read as missing; most frequent first.
    n_infinite : int
        Infinite values (``inf``, ``-inf``, ``1e999``) read as missing.
    n_thousands : int
        Cells written with thousands separators (``1,234.5``), read as numbers.
    n_decimal_comma : int
        Cells written with a decimal comma (``34,05`` in a semicolon file), read as numbers.
    n_not_numbers : int
        Cells that are none of these: the column is then read as text.
    n_numbers : int
        Cells read as numbers.
    example : str
        The first cell that is not a number ("" when there is none).
    example_row : int
        Its 1-based data row (0 when there is none).
    """

    column: str
    missing_words: tuple[tuple[str, int], ...] = ()
    n_infinite: int = 0
    n_thousands: int = 0
    n_decimal_comma: int = 0
    n_not_numbers: int = 0
    n_numbers: int = 0
    example: str = ""
    example_row: int = 0

    @property
    def kept_as_text(self) -> bool:
        """True when the column is read as text (some cells are not numbers)."""
        return self.n_not_numbers > 0

    @property
    def message(self) -> str:
        """One plain sentence for the user: the column, what was read how, and the counts."""
        if self.kept_as_text:
            total = self.n_not_numbers + self.n_numbers
            return (
                f"Column '{self.column}' is read as text and not offered as a feature: "
                f"{self.n_not_numbers:,} of its {total:,} filled cells are not numbers, e.g. "
                f"'{self.example}' in data row {self.example_row:,}. Correct or empty those "
                "cells to cluster on it."
            )
        parts = []
        if self.missing_words:
            spellings = ", ".join(f"'{word}' x{count:,}" for word, count in self.missing_words)
            n_missing = sum(count for _, count in self.missing_words)
            parts.append(f"{n_missing:,} cell(s) read as missing ({spellings})")
        if self.n_infinite:
            parts.append(f"{self.n_infinite:,} infinite value(s) read as missing")
        if self.n_thousands:
            parts.append(
                f"{self.n_thousands:,} cell(s) with thousands separators read as numbers "
                "(1,234.5 as 1234.5)"
            )
        if self.n_decimal_comma:
            parts.append(
                f"{self.n_decimal_comma:,} cell(s) with a decimal comma read as numbers "
                "(34,05 as 34.05)"
            )
        return f"Column '{self.column}': " + "; ".join(parts) + "."


def _numbers_of(text: pd.Series) -> np.ndarray:
    """Plain numbers of stripped text cells (NaN where a cell is empty or not a plain number)."""
    filled = (text != "").to_numpy(dtype=bool)
    numbers = np.full(len(text), np.nan)
    # Arrow's parser is far faster than pd.to_numeric at a file's size, but one cell that is
    # not a plain number fails the whole column: pandas then reads it, such cells as NaN.
    try:
        parsed = text[filled].astype("float64[pyarrow]")
        numbers[filled] = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError, ImportError):
        numbers[filled] = pd.to_numeric(text[filled], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    return numbers


def _reformatted(text: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """Read cells written with thousands separators or a decimal comma.

    Returns the numbers (NaN where the cell is neither), a mask of the cells read, and
    which way ("thousands" or "decimal comma"); with ``decimal_comma`` the reading that
    fails on fewer cells wins, a tie going to the decimal comma (the semicolon file's own).
    """
    point = text.str.fullmatch(_THOUSANDS_POINT).to_numpy(dtype=bool)
    english = np.full(len(text), np.nan)
    if point.any():
        english[point] = _numbers_of(text[point].str.replace(rf"[,{_SPACES}]", "", regex=True))
    if not decimal_comma:
        return english, point, "thousands"
    grouped = text.str.fullmatch(_THOUSANDS_COMMA).to_numpy(dtype=bool)
    comma = grouped | text.str.fullmatch(_DECIMAL_COMMA).to_numpy(dtype=bool)
    european = np.full(len(text), np.nan)
    if comma.any():
        cleaned = text[comma].str.replace(rf"[.{_SPACES}]", "", regex=True)
        european[comma] = _numbers_of(cleaned.str.replace(",", ".", regex=False))
    if int(point.sum()) > int(comma.sum()):
        return english, point, "thousands"
    return european, comma, "decimal comma"


def _read_numbers(
    text: pd.Series, name: str, decimal_comma: bool
) -> tuple[np.ndarray, ColumnCoercion, np.ndarray]:
    """Read stripped text cells as numbers: the numbers, what changed, the cells that are not."""
    numbers = _numbers_of(text)
    odd = np.flatnonzero(~np.isfinite(numbers))
    odd_text = text.iloc[odd]
    infinite = np.isinf(numbers[odd])
    numbers[odd[infinite]] = np.nan
    lowered = odd_text.str.lower()
    empty = (lowered == "").to_numpy(dtype=bool)
    worded = lowered.isin(MISSING_WORDS).to_numpy(dtype=bool) & ~empty & ~infinite
    rest = ~(empty | worded | infinite)
    n_reformatted, way = 0, "thousands"
    if rest.any():
        values, read, way = _reformatted(odd_text[rest], decimal_comma)
        numbers[odd[rest][read]] = values[read]
        n_reformatted = int(read.sum())
        rest[np.flatnonzero(rest)[read]] = False
    merged: dict[str, tuple[str, int]] = {}  # lower-case spelling -> (as first written, cells)
    for word, count in odd_text[worded].value_counts(sort=True).items():
        first, total = merged.get(str(word).lower(), (str(word), 0))
        merged[str(word).lower()] = (first, total + int(count))
    not_numbers = np.zeros(len(text), dtype=bool)
    not_numbers[odd[rest]] = True
    coercion = ColumnCoercion(
        column=name,
        missing_words=tuple(sorted(merged.values(), key=lambda item: -item[1])),
        n_infinite=int(infinite.sum()),
        n_thousands=n_reformatted if way == "thousands" else 0,
        n_decimal_comma=n_reformatted if way == "decimal comma" else 0,
        n_not_numbers=int(rest.sum()),
        n_numbers=int(np.isfinite(numbers).sum()),
        example=str(odd_text[rest].iloc[0]) if rest.any() else "",
        example_row=int(odd[rest][0]) + 1 if rest.any() else 0,
    )
    return numbers, coercion, not_numbers


_SAMPLE_CELLS = 1_000  # a column whose first cells are mostly text is text: no closer look


def column_numbers(
    column: pd.Series, name: str, decimal_comma: bool, *, quick: bool = True
) -> tuple[np.ndarray, ColumnCoercion | None, np.ndarray]:
    """Read a text column as numbers.

    Missing-value spellings and infinite values become NaN, cells with thousands separators
    or a decimal comma become numbers, and any other text makes the column text
    (``kept_as_text``). A float64 column (a Parquet file's numbers) is numbers already: only
    its infinite values become NaN.

    Parameters
    ----------
    column : pandas.Series
        The cells, as text ("" when empty) or float64.
    name : str
        The column's name (for the :class:`ColumnCoercion`).
    decimal_comma : bool
        Whether a decimal comma may be read (a semicolon file's numbers).
    quick : bool
        A column whose first cells are mostly text (a name) is text at once (its counts are
        then those of the first cells), so it costs no pass over every cell.

    Returns
    -------
    numbers : numpy.ndarray
        float64, NaN for an empty or missing cell.
    coercion : ColumnCoercion or None
        What was changed on the way; None when nothing was.
    not_numbers : numpy.ndarray
        bool, the cells that are not numbers.
    """
    if column.dtype == np.float64:
        numbers = column.to_numpy(dtype=np.float64, copy=True)
        infinite = np.isinf(numbers)
        numbers[infinite] = np.nan
        n_numbers = int(np.isfinite(numbers).sum())
        coercion = ColumnCoercion(name, n_infinite=int(infinite.sum()), n_numbers=n_numbers)
        return numbers, coercion if infinite.any() else None, np.zeros(len(numbers), dtype=bool)
    text = column.astype(str).str.strip()
    if quick and len(text) > _SAMPLE_CELLS:
        _, sample, _ = _read_numbers(text[:_SAMPLE_CELLS], name, decimal_comma)
        if sample.n_not_numbers > sample.n_numbers:
            return np.full(len(text), np.nan), sample, np.zeros(len(text), dtype=bool)
    numbers, coercion, not_numbers = _read_numbers(text, name, decimal_comma)
    unchanged = coercion == ColumnCoercion(name, n_numbers=coercion.n_numbers)
    return numbers, None if unchanged else coercion, not_numbers
