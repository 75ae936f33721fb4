"""The plotly figure for preparing a classification's variables: their correlations."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.engine.classification.correlation import Correlations
from components.figures.text import plotly_text

METHODS = {"pearson": "Pearson", "spearman": "Spearman"}


def correlation_heatmap(correlations: Correlations, method: str = "pearson") -> go.Figure:
    """Heatmap of a correlation matrix, values in the cells, flagged pairs boxed.

    Parameters
    ----------
    correlations : Correlations
        As :func:`components.engine.classification.correlation.correlations` returns it.
    method : str
        Which matrix to draw: "pearson" or "spearman".

    Returns
    -------
    plotly.graph_objects.Figure
        Cells coloured from -1 to 1 on a diverging scale; each flagged pair (at or above
        the threshold in either measure) has a black border in both of its cells.

    Raises
    ------
    ValueError
        On an unknown method.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {list(METHODS)}.")
    matrix = getattr(correlations, method)
    names = list(matrix.columns)
    labels = [plotly_text(name) for name in names]
    values = matrix.to_numpy(dtype=np.float64)
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=labels,
            y=labels,
            zmin=-1.0,
            zmax=1.0,
            zmid=0.0,
            colorscale="RdBu_r",
            text=[["" if np.isnan(value) else f"{value:.2f}" for value in row] for row in values],
            texttemplate="%{text}",
            hovertemplate="%{y} and %{x}: %{z:.3f}<extra></extra>",
            colorbar={"title": {"text": METHODS[method]}},
        )
    )
    for pair in correlations.pairs:
        row, column = names.index(pair.first), names.index(pair.second)
        for x, y in ((column, row), (row, column)):
            figure.add_shape(
                type="rect",
                x0=x - 0.5,
                x1=x + 0.5,
                y0=y - 0.5,
                y1=y + 0.5,
                line={"color": "black", "width": 3},
            )
    figure.update_layout(
        title=(
            f"{METHODS[method]} correlation (boxed: |correlation| ≥ "
            f"{correlations.threshold:g} in Pearson or Spearman)"
        ),
        # Category axes even when names look like numbers, so the boxes land on their cells.
        xaxis={"type": "category"},
        yaxis={"type": "category", "autorange": "reversed"},
    )
    return figure
