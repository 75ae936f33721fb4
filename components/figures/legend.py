"""The legend table beside a cluster map: each cluster's colour with its size and median."""

from __future__ import annotations

import pandas as pd

from components.engine.row_labels import NOT_CLUSTERED
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE


def legend_table(sizes: pd.DataFrame) -> pd.DataFrame:
    """Put each cluster's map colour in front of its row of a cluster-sizes table.

    Parameters
    ----------
    sizes : pandas.DataFrame
        From :func:`~components.engine.row_labels.cluster_sizes`: a ``cluster`` column of
        ids as text, and "not clustered" for the rows left out.

    Returns
    -------
    pandas.DataFrame
        A new table: ``colour`` (the map's colour of each row's points), then the columns
        of ``sizes``.
    """
    colours = [
        NOT_CLUSTERED_COLOUR if cluster == NOT_CLUSTERED else PALETTE[int(cluster)]
        for cluster in sizes["cluster"]
    ]
    return sizes.assign(colour=colours)[["colour", *sizes.columns]]
