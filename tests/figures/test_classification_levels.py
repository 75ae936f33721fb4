"""The index heatmap and the tree of a classification's levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.engine.classification.levels import Levels, fit_levels
from components.engine.classification.profiles import IndexScores, index_scores
from components.figures.classification_levels import index_heatmap, levels_tree


@pytest.fixture(scope="module")
def scores() -> IndexScores:
    frame = pd.DataFrame({"income": [1.0, 3.0, 3.0, 5.0], "change": [-1.0, 1.0, 2.0, 4.0]})
    return index_scores(frame, np.array([0, 0, 1, 1]), ["income", "change"], 2)


@pytest.fixture(scope="module")
def levels() -> Levels:
    rng = np.random.default_rng(0)
    towns = [(40.0, 0.0), (40.0, 3.0), (30.0, 0.0), (30.0, 3.0), (33.0, 1.5), (36.0, 8.0)]
    points = np.vstack([rng.normal(town, 0.2, size=(30, 2)) for town in towns])
    return fit_levels(points, 6, 3, latitude=points[:, 0])


def test_heatmap_cells_hold_the_scores(scores: IndexScores) -> None:
    trace = index_heatmap(scores, ["north", "south"]).data[0]
    custom = np.asarray(trace.customdata)
    np.testing.assert_allclose(custom[..., 0].astype(float), scores.scores)
    np.testing.assert_allclose(np.asarray(trace.z), scores.standardised)
    # change: means 0 and 3 against 1.5, sd sqrt(13 / 4) = 1.80: -0.83 and +0.83.
    assert np.asarray(trace.text).tolist() == [["67", "-0.8"], ["133", "+0.8"]]
    assert "133% of the overall mean" in custom[1, 0, 3]
    assert "0.83 standard deviations above" in custom[1, 1, 3]
    assert trace.zmid == 0 and trace.zmax == -trace.zmin


def test_heatmap_escapes_names(scores: IndexScores) -> None:
    figure = index_heatmap(scores, ["<b>x</b>", "a & b"])
    ticks = figure.layout.yaxis.ticktext
    assert ticks == ("&lt;b&gt;x&lt;/b&gt;", "a &amp; b")
    assert "<b>x</b>" not in figure.to_json()


def test_heatmap_needs_one_name_per_cluster(scores: IndexScores) -> None:
    with pytest.raises(ValueError, match=r"names has 1 entries; expected one per cluster \(2\)"):
        index_heatmap(scores, ["only"])


def test_tree_has_a_leaf_per_fine_cluster_labelled_by_fine_name(levels: Levels) -> None:
    names = [f"<b>{name}</b>" for name in levels.fine_names]
    figure = levels_tree(levels, names)
    leaves = figure.data[-1]
    ticks = figure.layout.yaxis.ticktext
    assert len(leaves.y) == 6 and ticks[0].startswith("1a ")
    assert sorted(tick.split()[0] for tick in ticks) == sorted(levels.fine_names)
    assert all("&lt;b&gt;" in tick for tick in ticks) and "<b>1a" not in figure.to_json()
    # No branches cross: the leaves under every join sit next to each other.
    row_of = {tick.split()[0]: row for row, tick in enumerate(ticks)}
    under: dict[int, list[int]] = {leaf: [leaf] for leaf in range(6)}
    for step, (first, second, _, _) in enumerate(levels.merges):
        under[6 + step] = under[int(first)] + under[int(second)]
        rows = sorted(row_of[levels.fine_names[leaf]] for leaf in under[6 + step])
        assert rows == list(range(rows[0], rows[0] + len(rows)))
    drawn = sorted({x for trace in figure.data[:-1] for x in trace.x if x not in (None, 0)})
    np.testing.assert_allclose(drawn, np.sort(levels.merges[:, 2]))


def test_tree_is_cut_between_the_last_join_inside_a_group_and_the_first_between(
    levels: Levels,
) -> None:
    figure = levels_tree(levels, list(levels.fine_names))
    (cut,) = figure.layout.shapes
    heights = levels.merges[:, 2]
    assert heights[2] < cut.x0 < heights[3]  # 6 fine clusters, 3 groups: 3 joins inside
    assert [trace.name for trace in figure.data[:-1]][-1] == "joins between groups"
    assert len([trace for trace in figure.data[:-1] if trace.name.startswith("group")]) <= 3
