"""Small facts about a loaded data set for the Explore page: missing values and census caps."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.engine.dataset import Dataset


@dataclass(frozen=True)
class DataOverview:
    """Small facts about the data for the Explore page (no frame, cheap to copy).

    Attributes
    ----------
    n_rows : int
        Number of rows.
    notes : tuple of str
        The validation report's notes for the user.
    missing : pandas.DataFrame
        One row per column: column, missing, share, derived.
    capped : pandas.DataFrame
        One row per column with a census cap: column, cap, rows at the cap, share.
    """

    n_rows: int
    notes: tuple[str, ...]
    missing: pd.DataFrame
    capped: pd.DataFrame


def data_overview(data: Dataset) -> DataOverview:
    """Count the missing values of every column and the rows at each census cap.

    Parameters
    ----------
    data : Dataset
        The validated data.

    Returns
    -------
    DataOverview
        Row count, the report's notes, a missing-values table and a capped-values table.
        Shares are of all rows (0 for an empty frame). A column is "derived" when the
        data's catalogue says so; columns outside it are not.
    """
    frame = data.places.frame
    rows = max(len(frame), 1)
    missing_rows = [
        {
            "column": name,
            "missing": int(count),
            "share": int(count) / rows,
            "derived": name in data.catalogue and data.catalogue[name].ratio is not None,
        }
        for name, count in zip(frame.columns, frame.isna().sum(), strict=True)
    ]
    at_cap = {
        feature.name: (feature.cap, int((frame[feature.name] >= feature.cap).sum()))
        for feature in data.catalogue.values()
        if feature.cap is not None and feature.name in frame.columns
    }
    capped_rows = [
        {"column": name, "cap": cap, "rows at the cap": count, "share": count / rows}
        for name, (cap, count) in at_cap.items()
    ]
    return DataOverview(
        n_rows=len(frame),
        notes=data.places.notes,
        missing=pd.DataFrame(missing_rows),
        capped=pd.DataFrame(capped_rows),
    )
