"""Figures of a classification's profiles and levels: an index heatmap and the tree of groups.

Pure Python (no Streamlit). :func:`index_heatmap` draws
:class:`components.engine.classification.profiles.IndexScores`; :func:`levels_tree` draws the
merge tree of :class:`components.engine.classification.levels.Levels`, coloured by coarse group
(group ``g`` in ``PALETTE[g]``). Names and column names are user text: plotly gets them through
:func:`components.figures.text.plotly_text`, and only inside ``customdata`` of a hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.engine.classification.levels import Levels
from components.engine.classification.profiles import IndexScores
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE
from components.figures.text import plotly_text

__all__ = ["index_heatmap", "levels_tree"]

ROW_PIXELS = 24  # height of one cluster row or one leaf of the tree
DIVERGING_COLOURSCALE = "RdBu_r"  # ColorBrewer's red-blue: above average red, below blue


def _check_names(names: Sequence[str], expected: int, what: str) -> list[str]:
    listed = list(names)
    if len(listed) != expected:
        raise ValueError(f"names has {len(listed)} entries; expected one per {what} ({expected}).")
    return listed


def _meaning(score: float, kind: str) -> tuple[str, str]:
    """The number shown in a cell and the sentence its hover gives."""
    if not math.isfinite(score):
        return "", "no value in this cluster"
    if kind == "index":
        return (
            f"{score:.0f}",
            f"index {score:.0f}: the cluster's mean is {score:.0f}% of the overall mean",
        )
    side = "above" if score >= 0 else "below"
    return (
        f"{score:+.1f}",
        f"{score:+.2f}: the cluster's mean is {abs(score):.2f} standard deviations {side} the "
        "overall mean",
    )


def index_heatmap(scores: IndexScores, names: Sequence[str]) -> go.Figure:
    """Clusters by variables, coloured by how far each cluster's mean is from the overall mean.

    The colour is the standardised difference of every cell, centred on 0, so that a column of
    index scores and a column of standardised differences share one scale; the number written
    in a cell is its score (an index, 100 = average, or a signed standardised difference).

    Parameters
    ----------
    scores : IndexScores
        From :func:`components.engine.classification.profiles.index_scores`.
    names : sequence of str
        One name per cluster (row), top to bottom.

    Returns
    -------
    go.Figure
        One heatmap trace: ``z`` the standardised differences, ``text`` the written scores,
        ``customdata[..., 0]`` the scores, then the cluster's name, the column's name and the
        sentence of the hover (all escaped).
    """
    n_clusters, n_columns = scores.scores.shape
    labels = [plotly_text(name) for name in _check_names(names, n_clusters, "cluster")]
    text = np.empty((n_clusters, n_columns), dtype=object)
    custom = np.empty((n_clusters, n_columns, 4), dtype=object)
    for row, column in np.ndindex(n_clusters, n_columns):
        score = float(scores.scores[row, column])
        text[row, column], sentence = _meaning(score, scores.kind[column])
        custom[row, column] = (score, labels[row], plotly_text(scores.columns[column]), sentence)
    standardised = np.abs(scores.standardised)
    limit = max(float(standardised.max(where=np.isfinite(standardised), initial=0.0)), 1.0)
    figure = go.Figure(
        go.Heatmap(
            z=scores.standardised,
            x=list(range(n_columns)),
            y=list(range(n_clusters)),
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            hovertemplate="%{customdata[1]}<br>%{customdata[2]}: %{customdata[3]}<extra></extra>",
            colorscale=DIVERGING_COLOURSCALE,
            zmin=-limit,
            zmax=limit,
            zmid=0.0,
            colorbar={"title": {"text": "sd from the<br>overall mean"}},
        )
    )
    figure.update_layout(
        height=160 + ROW_PIXELS * n_clusters,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={
            "tickvals": list(range(n_columns)),
            "ticktext": [plotly_text(column) for column in scores.columns],
            "side": "top",
        },
        yaxis={
            "tickvals": list(range(n_clusters)),
            "ticktext": labels,
            "autorange": "reversed",
        },
    )
    return figure


def _leaf_order(merges: np.ndarray, n_leaves: int) -> list[int]:
    """Leaves from the root down, the child holding the lower fine id first (no crossings)."""
    children = {n_leaves + step: (int(a), int(b)) for step, (a, b) in enumerate(merges[:, :2])}

    def leaves(node: int) -> list[int]:
        if node < n_leaves:
            return [node]
        first, second = (leaves(child) for child in children[node])
        return first + second if min(first) < min(second) else second + first

    return leaves(2 * n_leaves - 2)


def levels_tree(levels: Levels, names: Sequence[str]) -> go.Figure:
    """The tree of how the fine clusters join, cut into the coarse groups (a dendrogram).

    Leaves run top to bottom, labelled with the fine name and the cluster's name ("2b  Coastal,
    high income"); the horizontal axis is the Ward distance at which two branches join. Branches
    inside a coarse group are drawn in the group's colour, the joins above the cut in grey, and
    a dashed line marks the cut.

    Parameters
    ----------
    levels : Levels
        From :func:`components.engine.classification.levels.fit_levels`.
    names : sequence of str
        One name per fine cluster, in fine id order.

    Returns
    -------
    go.Figure
        One line trace per coarse group, one for the joins above the cut, then the leaves (one
        marker per fine cluster, in the order drawn); the cut is the figure's only shape.
    """
    n_fine = levels.fine_centroids.shape[0]
    labels = _check_names(names, n_fine, "fine cluster")
    merges = levels.merges
    order = _leaf_order(merges, n_fine)
    position = np.zeros(2 * n_fine - 1)
    height = np.zeros(2 * n_fine - 1)
    position[order] = np.arange(n_fine)
    # A node's group is its first child's, down to a fine cluster's own group.
    group = np.concatenate([levels.coarse_of_fine, np.zeros(n_fine - 1, dtype=np.int64)])
    n_within = n_fine - levels.n_coarse  # the first merges stay inside a group
    paths: dict[int, tuple[list[float | None], list[float | None]]] = {}
    for step, (first, second, joined_at, _) in enumerate(merges):
        a, b, node = int(first), int(second), n_fine + step
        position[node] = (position[a] + position[b]) / 2
        height[node] = joined_at
        group[node] = group[a]
        key = int(group[a]) if step < n_within else -1
        xs, ys = paths.setdefault(key, ([], []))
        xs += [height[a], joined_at, joined_at, height[b], None]
        ys += [position[a], position[a], position[b], position[b], None]
    traces = [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={
                "color": NOT_CLUSTERED_COLOUR if key < 0 else PALETTE[key % len(PALETTE)],
                "width": 2,
            },
            name="joins between groups" if key < 0 else f"group {key + 1}",
            hoverinfo="skip",
        )
        for key, (xs, ys) in sorted(paths.items(), key=lambda item: (item[0] < 0, item[0]))
    ]
    shown = [f"{levels.fine_names[leaf]}  {plotly_text(labels[leaf])}" for leaf in order]
    traces.append(
        go.Scatter(
            x=np.zeros(n_fine),
            y=np.arange(n_fine),
            mode="markers",
            marker={
                "size": 8,
                "color": [PALETTE[levels.coarse_of_fine[leaf] % len(PALETTE)] for leaf in order],
            },
            customdata=[
                f"{text}<br>{levels.fine_sizes[leaf]:,} places"
                for text, leaf in zip(shown, order, strict=True)
            ],
            hovertemplate="%{customdata}<extra></extra>",
            showlegend=False,
            name="fine clusters",
        )
    )
    figure = go.Figure(traces)
    figure.add_vline(
        x=(merges[n_within - 1, 2] + merges[n_within, 2]) / 2,
        line={"dash": "dash", "color": "#555555"},
        annotation_text=f"cut into {levels.n_coarse} groups",
    )
    figure.update_layout(
        height=120 + ROW_PIXELS * n_fine,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": {"text": "Ward distance at which branches join"}, "rangemode": "tozero"},
        yaxis={
            "tickvals": list(range(n_fine)),
            "ticktext": shown,
            "autorange": "reversed",
            "zeroline": False,
        },
    )
    return figure
