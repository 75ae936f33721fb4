"""A bounded random sample of a local Parquet data set, for the pages that need every row's values.

Pure Python (numpy, pandas, pyarrow; no dask, no Streamlit). The distributed k-sweep reads data
sets far larger than one machine holds; the app's per-row pages work on a sample of them
instead. :func:`sample_parquet` reads only the footers of every file, then whole row groups
picked at random until it has enough rows (a row group is the smallest part of a Parquet file
read on its own), only the columns asked for and, while the read stays within the app's cell
limit, the file's other numeric columns; it then keeps a uniform random subset of at most
``max_rows`` of those rows. The same seed gives the same rows.

A row group holds neighbouring rows of its file: when a data set is sorted (by region, by
date), a sample of some of its row groups covers some of its regions. Data sets written in
many row groups, or in no particular order, give a sample close to a uniform one.

:func:`parquet_files` finds the files of a data set (a file, a folder of them, or a glob); the
distributed sweep's reader (:mod:`components.engine.distributed.read`) checks its source with
it too.
"""

from __future__ import annotations

import glob
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from components.engine.csv_limits import MAX_CELLS, MAX_COLUMNS
from components.engine.parquet_limits import is_number_type
from components.engine.validation import check_int

# Most rows of a sample: what the per-row pages fit in seconds, and far below the upload
# limits that the sample's read (through the uploads' reader) must keep.
SAMPLE_ROWS = 100_000
_GLOB_CHARACTERS = frozenset("*?[")
_BATCH_ROWS = 65_536
MAX_FILES = 100_000
# Files pyarrow and dask skip in a folder data set (_metadata, _SUCCESS, .crc files).
_HIDDEN_PREFIXES = ("_", ".")


class ParquetSampleError(ValueError):
    """The data set cannot be sampled on this machine; the message names what and why."""


@dataclass(frozen=True)
class ParquetSample:
    """A random sample of the rows of a Parquet data set.

    Attributes
    ----------
    frame : pandas.DataFrame
        The sampled rows (index 0..n-1), the asked columns first, then the other numeric
        columns read, each with its Parquet type's pandas dtype.
    n_source_rows : int
        Rows of the whole data set (from its files' footers).
    """

    frame: pd.DataFrame
    n_source_rows: int


def _files_of(path: Path) -> Iterator[Path]:
    if not path.is_dir():
        yield path
        return
    for found in path.rglob("*"):
        hidden = any(part.startswith(_HIDDEN_PREFIXES) for part in found.relative_to(path).parts)
        if found.is_file() and not hidden:
            yield found


def parquet_files(source: str) -> tuple[Path, ...]:
    """Return the files of a local Parquet data set: a file, a folder of them or a glob.

    Parameters
    ----------
    source : str
        A Parquet file, a folder of Parquet files (its files and subfolders', except names
        starting with ``_`` or ``.`` as pyarrow and dask skip) or a glob such as
        ``"data/part-*.parquet"``.

    Returns
    -------
    tuple of pathlib.Path
        The files, sorted; at least one.

    Raises
    ------
    FileNotFoundError
        When ``source`` does not exist, matches no file, is a folder without files, or holds
        more than ``MAX_FILES`` files.
    """
    found: Iterator[Path]
    if _GLOB_CHARACTERS & set(source):
        matches = sorted(glob.glob(source))
        if not matches:
            raise FileNotFoundError(
                f"source={source!r} matches no file; expected a Parquet file, a folder of "
                "them or a glob that matches some."
            )
        found = (file for match in matches for file in _files_of(Path(match)))
    elif not Path(source).exists():
        raise FileNotFoundError(
            f"source={source!r} does not exist; expected a Parquet file, a folder of them or "
            "a glob."
        )
    else:
        found = _files_of(Path(source))
    # A data set of more files than any sweep reads is a wrong path (a whole disk, say):
    # the walk stops there instead of listing it all.
    files = sorted(itertools.islice(found, MAX_FILES + 1))
    if len(files) > MAX_FILES:
        raise FileNotFoundError(
            f"source={source!r} holds more than {MAX_FILES:,} files; expected a Parquet data "
            "set of at most that many files."
        )
    if not files:
        raise FileNotFoundError(
            f"source={source!r} holds no file; expected a Parquet file, a folder of them or a glob."
        )
    return tuple(dict.fromkeys(files))


def _unreadable(file: Path, source: str, error: Exception) -> ParquetSampleError:
    """An error naming the file by its name within the source (its folders stay private)."""
    reason = (str(error) or type(error).__name__).replace(str(file), file.name)
    return ParquetSampleError(f"{file.name} of {source!r} could not be read as Parquet ({reason}).")


def sample_parquet(
    source: str,
    columns: Sequence[str],
    *,
    max_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> ParquetSample:
    """Read a random sample of at most ``max_rows`` rows of a local Parquet data set.

    Row groups are picked in a random order until they hold ``max_rows`` rows (or all are
    picked); the asked columns are read, and the data set's other numeric columns in their
    order while the sample has at most ``MAX_CELLS // max_rows`` (and at most ``MAX_COLUMNS``)
    columns and the row groups read hold at most ``MAX_CELLS`` cells; then ``max_rows`` of the
    rows read are kept, uniformly at random, in their order.

    Parameters
    ----------
    source : str
        A local Parquet file, a folder of them or a glob (see :func:`parquet_files`); every
        file has the asked columns.
    columns : sequence of str
        The columns to read, e.g. the coordinates and the features; at least one.
    max_rows : int
        Most rows of the sample, in [1, ``MAX_CELLS``].
    seed : int
        Seed of the row groups' order and of the rows kept, >= 0.

    Returns
    -------
    ParquetSample
        The rows, the data set's rows and the sample's.

    Raises
    ------
    ParquetSampleError
        When ``source`` is a URL or is not on this machine, a file cannot be read as
        Parquet, or a column is not in it (the message lists the data set's columns).
    ValueError
        When ``max_rows``, ``seed`` or ``columns`` is invalid (the message names the range).
    """
    limit = check_int(max_rows, "max_rows", 1, MAX_CELLS)
    seed = check_int(seed, "seed", 0)
    names = tuple(dict.fromkeys(str(name) for name in columns))
    if not names:
        raise ValueError("columns is empty; expected at least one column name.")
    if "://" in source:
        raise ParquetSampleError(
            f"source={source!r} is a URL; expected a Parquet file, a folder of them or a glob "
            "on this machine."
        )
    try:
        paths = parquet_files(source)
    except FileNotFoundError as error:
        raise ParquetSampleError(str(error)) from error
    # Only the footers are read here (each file closed again); a file is opened to read
    # rows only when one of its row groups is picked.
    footers = []
    for path in paths:
        try:
            footers.append(pq.read_metadata(path))
        except (OSError, pa.ArrowException) as error:
            raise _unreadable(path, source, error) from error
    schema = footers[0].schema.to_arrow_schema()
    missing = [name for name in names if name not in schema.names]
    if missing:
        raise ParquetSampleError(
            f"columns {missing} are not in {source!r}; expected some of {list(schema.names)}."
        )
    groups = [
        (index, group, footer.row_group(group).num_rows)
        for index, footer in enumerate(footers)
        for group in range(footer.num_row_groups)
    ]
    n_source_rows = sum(rows for _, _, rows in groups)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(groups))
    # The row groups in that order up to the first that brings the rows read to the limit.
    read_so_far = np.cumsum([groups[position][2] for position in order])
    picked = [groups[position] for position in order[: np.searchsorted(read_so_far, limit) + 1]]
    n_read = sum(rows for _, _, rows in picked)
    read = list(names)
    most = min(MAX_COLUMNS, max(len(names), MAX_CELLS // limit))
    for field in schema:
        if len(read) >= most or n_read * (len(read) + 1) > MAX_CELLS:
            break
        if field.name not in read and is_number_type(field.type):
            read.append(field.name)
    # The rows kept are drawn before reading, then taken batch by batch, so a row group far
    # larger than the sample never stands whole in memory.
    wanted = np.sort(rng.choice(n_read, limit, replace=False)) if n_read > limit else None
    tables, offset = [], 0
    for index, group, _ in sorted(picked):
        try:
            with pq.ParquetFile(paths[index]) as file:
                for batch in file.iter_batches(
                    batch_size=_BATCH_ROWS, row_groups=[group], columns=read
                ):
                    rows, offset = batch.num_rows, offset + batch.num_rows
                    if wanted is not None:
                        low, high = np.searchsorted(wanted, (offset - rows, offset))
                        batch = batch.take(pa.array(wanted[low:high] - (offset - rows)))
                    tables.append(pa.Table.from_batches([batch]))
        except (OSError, pa.ArrowException) as error:
            raise _unreadable(paths[index], source, error) from error
    table = (
        pa.concat_tables(tables, promote_options="permissive")
        if tables
        else schema.empty_table().select(read)
    )
    frame = table.to_pandas().reset_index(drop=True)
    return ParquetSample(frame=frame, n_source_rows=n_source_rows)
