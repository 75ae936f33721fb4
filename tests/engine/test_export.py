"""Tests of the spreadsheet-safe CSV export."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from components.engine.export import neutralise_cell, to_safe_csv


@pytest.mark.parametrize("risky", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_risky_text_gets_an_apostrophe(risky: str) -> None:
    assert neutralise_cell(risky) == "'" + risky


@pytest.mark.parametrize("harmless", ["NEAR BAY", "", "a=b", "1-2", " =1"])
def test_harmless_text_is_unchanged(harmless: str) -> None:
    assert neutralise_cell(harmless) == harmless


def test_non_text_values_are_unchanged() -> None:
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None


def test_to_safe_csv_neutralises_text_and_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "cluster": [0, 1, -1],
            "value": [-1.5, 2.0, np.nan],
            "ocean_proximity": ['=HYPERLINK("x")', "INLAND", "@cmd"],
            "category": pd.Categorical(["-a", "b", "-a"]),
            "=evil": [1, 2, 3],
        }
    )
    text = to_safe_csv(frame).decode("utf-8")
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(back.columns) == ["cluster", "value", "ocean_proximity", "category", "'=evil"]
    assert list(back["cluster"]) == [0, 1, -1]
    assert text.splitlines()[1].startswith("0,-1.5,")
    assert list(back["ocean_proximity"]) == ['\'=HYPERLINK("x")', "INLAND", "'@cmd"]
    assert list(back["category"]) == ["'-a", "b", "'-a"]
    # The input frame is not changed.
    assert frame["ocean_proximity"].iloc[0] == '=HYPERLINK("x")'


def test_to_safe_csv_rejects_non_frames() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        to_safe_csv([[1, 2]])  # type: ignore[arg-type]


def test_carriage_return_inside_a_cell_cannot_start_a_new_row() -> None:
    import csv
    import io

    frame = pd.DataFrame({"name": ["x\r=cmd|' /C calc'!A0", "\r=1+1"], "value": [1, -2]})
    text = to_safe_csv(frame).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 3  # header + 2 rows: the "\r" stayed inside its quoted cell
    assert rows[1][0] == "x\r=cmd|' /C calc'!A0"
    assert rows[2] == ["'\r=1+1", "-2"]
    assert not any(row[0].startswith("=") for row in rows)
