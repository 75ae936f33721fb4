"""Profiles of a classification: index scores, separation and drafted names."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from components.engine.classification.profiles import (
    KIND_SENTENCES,
    IndexScores,
    draft_names,
    index_scores,
    separation,
)


def _toy() -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.DataFrame(
        {
            "income": [1.0, 3.0, 3.0, 5.0],
            "change": [-1.0, 1.0, 2.0, 4.0],
            "gaps": [1.0, np.nan, 3.0, 5.0],
            "name": ["a", "b", "c", "d"],
        }
    )
    return frame, np.array([0, 0, 1, 1])


def test_index_is_the_cluster_mean_over_the_overall_mean_times_100() -> None:
    frame, labels = _toy()
    result = index_scores(frame, labels, ["income"], 2)
    # Means 2 and 4 against an overall mean of 3.
    np.testing.assert_allclose(result.scores[:, 0], [200 / 3, 400 / 3])
    np.testing.assert_allclose(result.standardised[:, 0], [-1 / math.sqrt(2), 1 / math.sqrt(2)])
    assert result.kind == ("index",)
    assert result.explanations == {"index": KIND_SENTENCES["index"]}


def test_a_column_with_negative_values_gets_a_standardised_difference() -> None:
    frame, labels = _toy()
    result = index_scores(frame, labels, ["income", "change"], 2)
    # Means 0 and 3 against 1.5; population sd sqrt((2.5^2 + 0.5^2 + 0.5^2 + 2.5^2) / 4).
    spread = math.sqrt(13 / 4)
    np.testing.assert_allclose(result.scores[:, 1], [-1.5 / spread, 1.5 / spread])
    assert result.kind == ("index", "standardised")
    assert set(result.explanations) == {"index", "standardised"}


def test_a_column_with_mean_zero_gets_a_standardised_difference() -> None:
    frame = pd.DataFrame({"zeros": [0.0, 0.0, 0.0], "binary": [0.0, 0.0, 1.0]})
    result = index_scores(frame, np.array([0, 1, 1]), ["zeros", "binary"], 2)
    assert result.kind == ("standardised", "index")
    np.testing.assert_array_equal(result.scores[:, 0], [0.0, 0.0])
    np.testing.assert_allclose(result.scores[:, 1], [0.0, 150.0])


def test_missing_values_unclustered_rows_and_empty_clusters() -> None:
    frame, _ = _toy()
    frame.loc[4] = [100.0, 100.0, 100.0, "e"]
    result = index_scores(frame, np.array([0, 0, 1, 1, -1]), ["gaps"], 3)
    # gaps: cluster 0 has only 1, cluster 1 has 3 and 5; the overall mean of 1, 3, 5 is 3.
    np.testing.assert_allclose(result.scores[:2, 0], [100 / 3, 400 / 3])
    assert np.isnan(result.scores[2, 0]) and np.isnan(result.standardised[2, 0])


@pytest.mark.parametrize(
    ("columns", "labels", "n_clusters", "message"),
    [
        (["name"], [0, 0, 1, 1], 2, "column 'name' is not numeric"),
        (["nope"], [0, 0, 1, 1], 2, "column 'nope' is not in frame"),
        ([], [0, 0, 1, 1], 2, "columns is empty"),
        (["income"], [0, 0, 1, 2], 2, r"cluster id 2; expected ids in \[0, 1\]"),
        (["income"], [0, 0, 1], 2, r"labels has shape \(3,\)"),
        (["income"], [0, 0, 1, 1], 1, r"n_clusters=1 is invalid; expected an integer >= 2"),
    ],
)
def test_arguments_are_checked(
    columns: list[str], labels: list[int], n_clusters: int, message: str
) -> None:
    frame, _ = _toy()
    for function in (index_scores, separation):
        with pytest.raises(ValueError, match=message):
            function(frame, np.array(labels), columns, n_clusters)


def test_a_column_without_a_value_is_refused() -> None:
    frame = pd.DataFrame({"empty": [np.nan, np.nan, 1.0]})
    with pytest.raises(ValueError, match="column 'empty' has no finite value"):
        index_scores(frame, np.array([0, 1, -1]), ["empty"], 2)


def test_separation_by_hand_and_against_scipy() -> None:
    frame = pd.DataFrame(
        {
            "value": [1.0, 2.0, 3.0, 7.0, 8.0, 9.0],
            "noise": [1.0, 5.0, 3.0, 2.0, 4.0, np.nan],
            "flat": [2.0] * 6,
        }
    )
    labels = np.array([0, 0, 0, 1, 1, 1])
    table = separation(frame, labels, ["noise", "flat", "value"], 2)
    assert table["column"].tolist() == ["value", "noise", "flat"]
    value = table.iloc[0]
    # Total sum of squares around 5: 58; between: 3*9 + 3*9 = 54.
    assert value["eta_squared"] == pytest.approx(54 / 58)
    expected = stats.f_oneway([1.0, 2.0, 3.0], [7.0, 8.0, 9.0]).statistic
    assert value["f_statistic"] == pytest.approx(expected) and expected == pytest.approx(54.0)
    noise = table.iloc[1]
    assert noise["f_statistic"] == pytest.approx(stats.f_oneway([1, 5, 3], [2, 4]).statistic)
    assert np.isnan(table.iloc[2]["eta_squared"]) and np.isnan(table.iloc[2]["f_statistic"])


def test_separation_matches_f_oneway_on_random_groups() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 300)
    frame = pd.DataFrame({"x": rng.normal(labels * 0.3, 1.0), "y": rng.exponential(size=300)})
    table = separation(frame, labels, ["x", "y"], 4).set_index("column")
    for column in ("x", "y"):
        groups = [frame[column][labels == g] for g in range(4)]
        assert table.loc[column, "f_statistic"] == pytest.approx(
            stats.f_oneway(*groups).statistic, rel=1e-10
        )
    assert table.index[0] == "x"


def _scores(standardised: list[list[float]], columns: tuple[str, ...]) -> IndexScores:
    values = np.array(standardised)
    return IndexScores(values, values, columns, ("standardised",) * len(columns))


def test_names_say_where_and_what_stands_out() -> None:
    frame = pd.DataFrame(
        {
            "median_income": [9.0, 8.0, 2.0, 1.0, 4.0, 5.0],
            "housing_median_age": [20.0, 22.0, 21.0, 19.0, 40.0, 42.0],
        }
    )
    labels = np.array([0, 0, 1, 1, 2, 2])
    scores = index_scores(frame, labels, list(frame), 3)
    names = draft_names(
        scores,
        {"median_income": "income"},
        np.array([36.0, 32.0, 34.0]),
        np.array([-116.0, -120.0, -118.0]),
        34.0,
        -118.0,
    )
    assert names[0] == "North-east, high income, low housing median age"
    assert names[1].startswith("South-west, low income")
    assert names[2] == "Central, high housing median age, low income"
    coastal = draft_names(
        scores, {}, np.zeros(3), np.zeros(3), 0.0, 0.0, coastal_share=np.array([0.8, 0.05, 0.3])
    )
    assert coastal[0].startswith("Coastal, high median income")
    assert coastal[1].startswith("Inland, ")
    assert coastal[2].startswith("Central, ")


def test_equal_names_get_the_third_column_then_a_number() -> None:
    scores = _scores(
        [[2.0, -1.0, 0.5], [2.0, -1.0, -0.5], [2.0, -1.0, 0.5], [0.0, 0.0, 0.0]], ("a", "b", "c")
    )
    names = draft_names(scores, {}, np.full(4, np.nan), np.full(4, np.nan), 0.0, 0.0)
    assert names == [
        "high a, low b, high c",
        "high a, low b, low c",
        "high a, low b, high c 2",
        "Average",
    ]
    assert len(set(names)) == 4


def test_names_are_at_most_60_characters_and_distinct() -> None:
    long = ("a_very_long_variable_name_from_an_uploaded_file",) * 2
    scores = _scores([[3.0, 1.0], [3.0, 1.0], [3.0, 1.0]], (long[0], long[1] + "_2"))
    names = draft_names(scores, {}, np.zeros(3), np.zeros(3), 0.0, 0.0)
    assert len(set(names)) == 3
    assert all(len(name) <= 60 for name in names)
    assert names[0].endswith("…") and names[2].endswith(" 3")


def test_draft_names_checks_shapes() -> None:
    scores = _scores([[1.0], [2.0]], ("a",))
    with pytest.raises(ValueError, match=r"cluster_latitude has shape \(3,\); expected one value"):
        draft_names(scores, {}, np.zeros(3), np.zeros(2), 0.0, 0.0)
    with pytest.raises(ValueError, match="overall centre"):
        draft_names(scores, {}, np.zeros(2), np.zeros(2), math.nan, 0.0)
