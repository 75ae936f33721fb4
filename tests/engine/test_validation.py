"""Tests of components.engine.validation: each checker's accepted values and its messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.engine.validation import (
    RANDOM_STATE_RANGE,
    check_float,
    check_int,
    check_n_init,
    check_random_state,
    validate_cluster_ids,
    validate_frame_labels,
    validate_k_values,
    validate_matrix,
    validate_n_clusters,
)

# --- check_int ---------------------------------------------------------------------------------


def test_check_int_returns_python_ints_inside_the_range() -> None:
    assert check_int(2, "k", 2, 15) == 2
    assert check_int(15, "k", 2, 15) == 15
    value = check_int(np.int64(7), "k", 2, 15)
    assert value == 7 and type(value) is int
    assert check_int(10**12, "rows", 1) == 10**12  # no upper bound


@pytest.mark.parametrize(
    ("value", "low", "high", "message"),
    [
        (20, 2, 15, r"^n_clusters=20 is out of range; expected an integer in \[2, 15\]\.$"),
        (1, 2, 15, r"^n_clusters=1 is out of range; expected an integer in \[2, 15\]\.$"),
        (0, 1, None, r"^n_clusters=0 is invalid; expected an integer >= 1\.$"),
        (2.5, 2, 15, r"^n_clusters=2\.5 is not an integer; expected an integer in \[2, 15\]\.$"),
        (True, 0, 1, r"^n_clusters=True is not an integer; expected an integer in \[0, 1\]\.$"),
        ("3", 1, None, r"^n_clusters='3' is not an integer; expected an integer >= 1\.$"),
    ],
)
def test_check_int_names_the_value_and_the_range(
    value: object, low: int, high: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_int(value, "n_clusters", low, high)


# --- check_float -------------------------------------------------------------------------------


def test_check_float_honours_open_and_closed_ends() -> None:
    assert check_float(0, "p", 0.0, 1.0) == 0.0
    assert check_float(1, "p", 0.0, 1.0) == 1.0
    assert check_float(np.float32(0.5), "p", 0.0, 1.0, low_open=True, high_open=True) == 0.5
    with pytest.raises(ValueError, match=r"^p=0 is out of range; expected a number in \(0, 1\]"):
        check_float(0, "p", 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match=r"^p=1 is out of range; expected a number in \[0, 1\)"):
        check_float(1, "p", 0.0, 1.0, high_open=True)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.5", True, None])
def test_check_float_rejects_non_numbers_and_non_finite_values(value: object) -> None:
    with pytest.raises(ValueError, match=r"p=.* is out of range; expected a number in \[0, 1\]"):
        check_float(value, "p", 0.0, 1.0)


# --- seeds and n_init -----------------------------------------------------------------------------


def test_check_random_state_range_and_lowered_upper_bound() -> None:
    assert RANDOM_STATE_RANGE == (0, 4294967295)
    assert check_random_state(4294967295) == 2**32 - 1
    with pytest.raises(ValueError, match=r"random_state=-1 is out of range.*\[0, 4294967295\]"):
        check_random_state(-1)
    # A caller that derives seed + 1 .. seed + 100 lowers the bound by as much.
    with pytest.raises(ValueError, match=r"random_state=4294967295 .*\[0, 4294967195\]"):
        check_random_state(2**32 - 1, 2**32 - 1 - 100)


def test_check_n_init_accepts_auto_or_a_bounded_count() -> None:
    assert check_n_init("auto") == "auto"
    assert check_n_init(10) == 10
    with pytest.raises(
        ValueError, match=r"^n_init=0 is invalid; expected 'auto' or an integer >= 1"
    ):
        check_n_init(0)
    with pytest.raises(
        ValueError, match=r"^n_init=51 is out of range; expected 'auto' or an integer in \[1, 50\]"
    ):
        check_n_init(51, 50)
    with pytest.raises(ValueError, match=r"^n_init='many' is not an integer"):
        check_n_init("many")


# --- matrices, n_clusters and k_values ---------------------------------------------------------


def test_validate_matrix_messages() -> None:
    assert validate_matrix([[1, 2], [3, 4], [5, 6]]).dtype == np.float64
    with pytest.raises(ValueError, match=r"X must be 2-D .* ndim=1"):
        validate_matrix([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"X has n_samples=2 rows; expected at least 3"):
        validate_matrix([[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"in 1 row\(s\) \(first at row 1\)"):
        validate_matrix([[1.0], [np.inf], [2.0]])


def test_validate_n_clusters_bound_is_rows_minus_one_and_distinct_rows() -> None:
    # 5 rows -> k <= 4; 3 distinct rows -> k <= 3.
    assert validate_n_clusters(4, 5) == 4
    with pytest.raises(ValueError, match=r"n_clusters=4 is out of range; expected .*\[2, 3\]"):
        validate_n_clusters(4, 5, 3)
    with pytest.raises(ValueError, match=r"n_clusters=2 cannot be used.*1 distinct"):
        validate_n_clusters(2, 5, 1)


def test_validate_k_values_sorts_or_rejects_unsorted_input() -> None:
    # 10 rows, 10 distinct: each k in [2, 9].
    assert validate_k_values([4, 2, 3], 10, 10, sort=True) == (2, 3, 4)
    assert validate_k_values(range(2, 5), 10, 10, sort=False) == (2, 3, 4)
    with pytest.raises(ValueError, match=r"k_values=\[4, 2, 3\] is not ascending"):
        validate_k_values([4, 2, 3], 10, 10, sort=False)


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize(
    ("k_values", "message"),
    [
        ([], "k_values is empty"),
        ([2, 3, 3], r"k_values=\[2, 3, 3\] contains duplicates"),
        ([2, 10], r"n_clusters=10 is out of range; expected an integer in \[2, 9\]"),
        (5, "k_values=5 is not a sequence of integers"),
    ],
)
def test_validate_k_values_messages(k_values: object, message: str, sort: bool) -> None:
    with pytest.raises(ValueError, match=message):
        validate_k_values(k_values, 10, 10, sort=sort)  # type: ignore[arg-type]


# --- labels ------------------------------------------------------------------------------------


def test_validate_cluster_ids() -> None:
    ids = validate_cluster_ids(np.array([0, 2, 1], dtype=np.int32))
    assert ids.dtype == np.int64 and ids.tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match=r"previous_labels contains a negative id \(-1\)"):
        validate_cluster_ids([0, -1], "previous_labels")
    with pytest.raises(ValueError, match="labels must hold integer cluster ids; got dtype float64"):
        validate_cluster_ids([0.0, 1.0])
    with pytest.raises(ValueError, match="labels must be 1-D; got ndim=2"):
        validate_cluster_ids([[0, 1]])


def test_validate_frame_labels_allows_negative_ids_for_rows_left_out() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    assert validate_frame_labels(frame, [0, -1, 1]).tolist() == [0, -1, 1]
    with pytest.raises(ValueError, match=r"labels has shape \(2,\); expected one id per frame row"):
        validate_frame_labels(frame, [0, 1])
