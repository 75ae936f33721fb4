"""Tests of the random sample of a local Parquet data set (components.engine.parquet_sample).

Toy data sets of a few hundred rows, written with pyarrow in small row groups, so every count
can be checked by hand: 4 files of 100 rows in row groups of 25 hold 400 rows in 16 groups.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from components.engine import parquet_sample
from components.engine.parquet_sample import (
    ParquetSample,
    ParquetSampleError,
    parquet_files,
    sample_parquet,
)

N_FILES, ROWS_PER_FILE, ROWS_PER_GROUP = 4, 100, 25


def _frame(start: int, n_rows: int) -> pd.DataFrame:
    """Rows numbered from ``start``: the row's number in ``row``, coordinates and columns."""
    number = np.arange(start, start + n_rows)
    return pd.DataFrame(
        {
            "row": number,
            "lat": 45.0 + number / 1_000.0,
            "lon": 5.0 + number / 1_000.0,
            "price": number * 2.0,
            "rooms": (number % 7).astype(np.int32),
            "name": [f"place {value}" for value in number],
        }
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder data set of 4 files of 100 rows in row groups of 25, numbered 0..399."""
    target = tmp_path / "places"
    target.mkdir()
    for index in range(N_FILES):
        table = pa.Table.from_pandas(_frame(index * ROWS_PER_FILE, ROWS_PER_FILE))
        pq.write_table(table, target / f"part-{index}.parquet", row_group_size=ROWS_PER_GROUP)
    (target / "_SUCCESS").write_text("", encoding="utf-8")  # skipped, as pyarrow skips it
    return target


def _rows(sample: ParquetSample) -> list[int]:
    return sample.frame["row"].tolist()


def test_the_sample_has_min_of_the_limit_and_the_rows(folder: Path) -> None:
    sample = sample_parquet(str(folder), ("lat", "lon", "row"), max_rows=60)
    assert (sample.n_source_rows, len(sample.frame)) == (400, 60)
    assert len(set(_rows(sample))) == 60  # no row twice
    assert set(_rows(sample)) <= set(range(400))
    everything = sample_parquet(str(folder), ("row",), max_rows=1_000)
    assert (everything.n_source_rows, len(everything.frame)) == (400, 400)
    assert sorted(_rows(everything)) == list(range(400))


def test_whole_row_groups_are_read_and_rows_keep_their_values(folder: Path) -> None:
    # 30 rows need 2 row groups of 25: 50 rows read, 30 kept.
    sample = sample_parquet(str(folder), ("row", "lat"), max_rows=30)
    groups = {row // ROWS_PER_GROUP for row in _rows(sample)}
    assert len(groups) <= 2
    np.testing.assert_allclose(sample.frame["lat"], 45.0 + sample.frame["row"] / 1_000.0)


def test_the_other_numeric_columns_follow_the_chosen_ones(folder: Path) -> None:
    sample = sample_parquet(str(folder), ("lat", "lon"), max_rows=10)
    # The text column "name" is not read; the numbers follow in the file's order.
    assert list(sample.frame.columns) == ["lat", "lon", "row", "price", "rooms"]


def test_the_same_seed_gives_the_same_rows(folder: Path) -> None:
    first = sample_parquet(str(folder), ("row",), max_rows=50, seed=3)
    again = sample_parquet(str(folder), ("row",), max_rows=50, seed=3)
    other = sample_parquet(str(folder), ("row",), max_rows=50, seed=4)
    assert _rows(first) == _rows(again)
    assert _rows(first) != _rows(other)


def test_a_single_file_and_a_glob(folder: Path) -> None:
    one = sample_parquet(str(folder / "part-2.parquet"), ("row",), max_rows=500)
    assert sorted(_rows(one)) == list(range(200, 300))
    assert one.n_source_rows == 100
    two = sample_parquet(str(folder / "part-[01].parquet"), ("row",), max_rows=500)
    assert sorted(_rows(two)) == list(range(200))


def test_parquet_files_lists_a_folder_without_hidden_files(folder: Path) -> None:
    assert [path.name for path in parquet_files(str(folder))] == [
        f"part-{index}.parquet" for index in range(N_FILES)
    ]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParquetSampleError, match=r"absent\.parquet' does not exist"):
        sample_parquet(str(tmp_path / "absent.parquet"), ("lat",))
    with pytest.raises(ParquetSampleError, match="matches no file"):
        sample_parquet(str(tmp_path / "*.parquet"), ("lat",))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        parquet_files(str(tmp_path / "absent.parquet"))


def test_a_url_is_refused() -> None:
    with pytest.raises(ParquetSampleError, match=r"source='s3://bucket/places' is a URL"):
        sample_parquet("s3://bucket/places", ("lat",))


def test_a_file_that_is_not_parquet_is_named_by_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "places.parquet"
    bad.write_text("latitude,longitude\n1,2\n", encoding="utf-8")
    with pytest.raises(ParquetSampleError) as raised:
        sample_parquet(str(bad), ("latitude",))
    assert "places.parquet of " in str(raised.value)
    assert "could not be read as Parquet" in str(raised.value)


def test_a_missing_column_lists_the_columns(folder: Path) -> None:
    with pytest.raises(ParquetSampleError, match=r"columns \['rent'\] are not in .*'price'"):
        sample_parquet(str(folder), ("lat", "rent"))


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"max_rows": 0}, r"max_rows=0 is out of range; expected an integer in \[1, 12000000\]"),
        ({"max_rows": 2.5}, r"max_rows=2\.5 is not an integer"),
        ({"seed": -1}, r"seed=-1 is invalid; expected an integer >= 0"),
    ],
)
def test_a_bad_argument_names_the_valid_range(
    folder: Path, arguments: dict[str, object], expected: str
) -> None:
    with pytest.raises(ValueError, match=expected):
        sample_parquet(str(folder), ("lat",), **arguments)  # type: ignore[arg-type]


def test_no_column_is_refused(folder: Path) -> None:
    with pytest.raises(ValueError, match="columns is empty"):
        sample_parquet(str(folder), ())


def test_a_row_group_larger_than_the_sample_is_sampled_across_all_its_rows(
    tmp_path: Path,
) -> None:
    # One row group of 200,000 rows, read in batches: the 1,000 rows kept are drawn from all
    # of it, not from its first batch.
    path = tmp_path / "one-group.parquet"
    n_rows = 200_000
    pq.write_table(
        pa.table({"row": np.arange(n_rows), "lat": np.full(n_rows, 45.0)}), path,
        row_group_size=n_rows,
    )  # fmt: skip
    assert pq.ParquetFile(path).metadata.num_row_groups == 1
    sample = sample_parquet(str(path), ("row", "lat"), max_rows=1_000, seed=5)
    rows = _rows(sample)
    assert (sample.n_source_rows, len(rows), len(set(rows))) == (n_rows, 1_000, 1_000)
    assert rows == sorted(rows)  # in the file's order
    # Uniform over the group: about a third of the rows in each third.
    thirds = np.bincount(np.asarray(rows) * 3 // n_rows, minlength=3)
    assert thirds.min() > 250, thirds
    assert rows == _rows(sample_parquet(str(path), ("row", "lat"), max_rows=1_000, seed=5))


def test_a_data_set_of_too_many_files_is_refused_without_listing_them_all(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_sample, "MAX_FILES", N_FILES - 1)
    with pytest.raises(ParquetSampleError, match=r"holds more than 3 files; expected a Parquet"):
        sample_parquet(str(folder), ("row",))
    monkeypatch.setattr(parquet_sample, "MAX_FILES", N_FILES)
    assert len(parquet_files(str(folder))) == N_FILES  # exactly the limit is read
