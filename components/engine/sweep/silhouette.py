"""Per-cluster summaries of per-point silhouettes: who sits well inside, who sits on a border.

Pure numpy/pandas (no Streamlit, no plotting). The per-point values themselves come from
:func:`components.engine.sweep.silhouette_points.silhouette_points`; this module does not
import the sweep, so the figures that share :data:`BORDER_SILHOUETTE` do not pull in its
compiled kernels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Per-point silhouettes checked against their labels, the clustered points kept.
from components.engine.validation import clustered_values

__all__ = ["BORDER_SILHOUETTE", "silhouette_cluster_table"]

BORDER_SILHOUETTE = 0.1  # below this a block group sits on (or across) a cluster border


def silhouette_cluster_table(silhouette: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Per cluster: rows, mean silhouette, and the shares below 0 and below the border value.

    Parameters
    ----------
    silhouette : array-like of float, shape (n,)
        Per-point silhouette.
    labels : array-like of int, shape (n,)
        Cluster id per point; negative = not clustered (left out).

    Returns
    -------
    pd.DataFrame
        Columns cluster, rows, mean_silhouette, share_negative, share_border (silhouette below
        :data:`BORDER_SILHOUETTE`), one row per non-empty cluster in id order.
    """
    values, ids = clustered_values(silhouette, labels, name="silhouette")
    rows = []
    for cluster in np.unique(ids):
        members = values[ids == cluster]
        rows.append(
            {
                "cluster": int(cluster),
                "rows": int(members.size),
                "mean_silhouette": float(members.mean()),
                "share_negative": float((members < 0).mean()),
                "share_border": float((members < BORDER_SILHOUETTE).mean()),
            }
        )
    return pd.DataFrame(
        rows, columns=["cluster", "rows", "mean_silhouette", "share_negative", "share_border"]
    )
