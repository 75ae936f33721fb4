"""Caches of the model: features, scaling, the k-sweep and every row's label at k."""

from __future__ import annotations

import functools
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import streamlit as st

from components.engine import model as engine_model
from components.engine import row_labels as row_labels_engine
from components.engine.classification.levels import Levels, fit_levels_for_every_k
from components.engine.classification.regions import Regions, fit_regions
from components.engine.features import FeatureMatrix
from components.engine.row_labels import FitRows, RowLabels
from components.engine.saved_model import AppliedModel, apply_model
from components.engine.scaling import ScaledFeatures, scale_features
from components.engine.sweep.kernels import NUMBA_AVAILABLE
from components.engine.sweep.run import SweepFits, SweepResult, score_sweep
from components.engine.validation import NInit
from components.ui import streamlit_internals
from components.ui.cache import saved_models
from components.ui.cache.data import column_values, dataset, row_count
from components.ui.cache.storage import per_source
from components.ui.keys import ModelKey
from components.ui.url_state import SPLIT_RANDOM_STATE, TEST_SIZE

T = TypeVar("T")
_LOGGER = logging.getLogger(__name__)
# The folder holding components/ (the child process imports them from there).
PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Memory a fit briefly needs per row (BENCHMARKS.md, "Measured defaults").
FIT_BYTES_PER_ROW = 600


def kmeans_key(key: ModelKey) -> ModelKey:
    """The key of the k-means model under any method (its features, scaling and sweep)."""
    return replace(key, method="kmeans", fine_k=0, saved_model="")


def _of_kmeans(function: Callable[[ModelKey], T]) -> Callable[[ModelKey], T]:
    """Call ``function`` (a cache) with the k-means key: every method shares its entry."""

    @functools.wraps(function)
    def on_kmeans_key(key: ModelKey) -> T:
        return function(kmeans_key(key))

    return on_kmeans_key


def _fit_work_bytes(key: ModelKey) -> int:
    return FIT_BYTES_PER_ROW * row_count(key.source)


def train_column(key: ModelKey, name: str) -> np.ndarray:
    """A column's values on the rows the model is fitted on."""
    return column_values(key.source, name)[fit_rows(key).train]


@_of_kmeans
@per_source(max_entries=16, keep=2, work_bytes=_fit_work_bytes)
def prepared(key: ModelKey) -> FeatureMatrix:
    """The feature matrix (rows with missing values excluded or filled).

    Raises ``PlacesError`` with what to change when the features cannot be clustered (none
    chosen, not numeric, constant, too few rows).
    """
    return engine_model.prepare(dataset(key.source), key.features, key.missing)


@_of_kmeans
@per_source(max_entries=16, keep=2, work_bytes=_fit_work_bytes)
def scaled(key: ModelKey) -> ScaledFeatures:
    """The scaled matrix (split into train and test when asked)."""
    matrix = prepared(key)
    return scale_features(
        matrix.values,
        matrix.feature_names,
        key.scaler,
        location_weight=key.location_weight,
        test_size=TEST_SIZE if key.split else None,
        random_state=SPLIT_RANDOM_STATE,
        transforms=dict(key.transforms),
    )


@_of_kmeans
@per_source(max_entries=16, keep=2)
def fit_rows(key: ModelKey) -> FitRows:
    """Data-frame positions of the rows k-means is fitted on and of the test rows."""
    return row_labels_engine.fit_rows(prepared(key).row_positions, scaled(key))


@_of_kmeans
@per_source(
    max_entries=16,
    keep=2,
    spinner="Fitting k-means for every k from 2 to 15…",
    work_bytes=_fit_work_bytes,
)
def sweep_fits(key: ModelKey) -> SweepFits:
    """k-means for every k of the sweep on the (train) rows, ids north to south, stable in k.

    The fits alone: every k's clusters can be drawn while :func:`sweep` scores them.
    """
    return engine_model.fit(
        scaled(key).train,
        train_column(key, "latitude"),
        random_state=key.random_state,
        n_init=key.n_init,
    )


@st.cache_resource(show_spinner=False)
def background_executor() -> ThreadPoolExecutor:
    """Worker threads for work a page need not wait for: warm-up, base map, the scores.

    Two: at a server's start the base map's tiles and the kernels' compilation run side
    by side; later the sweeps' scores queue here (the kernels release the GIL).
    """
    streamlit_internals.missing_context_logger().addFilter(_no_context_warning_from_background)
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix=BACKGROUND_THREAD_PREFIX)


BACKGROUND_THREAD_PREFIX = "geocluster-background"


# Streamlit warns "missing ScriptRunContext" when a cached function with a spinner runs
# outside a script (the warm-up builds the default page's views here): expected, not a fault.
def _no_context_warning_from_background(record: logging.LogRecord) -> bool:
    """Drop Streamlit's missing-context warning when it comes from the background worker."""
    return not (
        (record.threadName or "").startswith(BACKGROUND_THREAD_PREFIX)
        and "missing ScriptRunContext" in record.getMessage()
    )


@dataclass(frozen=True)
class ScoresJob:
    """The sweep's scores being computed in the background worker.

    Attributes
    ----------
    future : concurrent.futures.Future
        Its result is the whole :class:`SweepResult`.
    started : float
        ``time.monotonic()`` when it was submitted.
    """

    future: Future[SweepResult]
    started: float

    def elapsed_s(self) -> float:
        """Seconds since it was submitted."""
        return time.monotonic() - self.started


# Longest a scoring waits for the kernels' compiling process (then it compiles itself).
COMPILE_WAIT_S = 180


@st.cache_resource(show_spinner=False)
def kernels_compiler() -> subprocess.Popen[bytes] | None:
    """Compile the sweep's kernels in a child process, once per server.

    Compiling holds the GIL for seconds; in a thread it would stall the first page's
    script. The child writes numba's disk cache and the server loads the kernels from it.

    Returns
    -------
    subprocess.Popen or None
        The child; None without numba (nothing to compile) or when it cannot start.
    """
    if not NUMBA_AVAILABLE:
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "components.engine.sweep.compile"],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as error:
        _LOGGER.warning("The kernels are compiled on first use (no child process: %s).", error)
        return None


def _score_once_compiled(
    train: np.ndarray, fits: SweepFits, compiler: subprocess.Popen[bytes] | None
) -> SweepResult:
    if compiler is not None:
        try:
            compiler.wait(timeout=COMPILE_WAIT_S)
        except subprocess.TimeoutExpired:
            _LOGGER.warning("The kernels' compiling process is slow; compiling here.")
    return score_sweep(train, fits)


@_of_kmeans
@per_source(max_entries=16, keep=2)
def scores_job(key: ModelKey) -> ScoresJob:
    """Start scoring the sweep of ``key`` in the background worker (once per key)."""
    # The arrays are fetched here, in the script's thread (the caches need its context);
    # the worker only computes, once the kernels are compiled.
    future = background_executor().submit(
        _score_once_compiled, scaled(key).train, sweep_fits(key), kernels_compiler()
    )
    return ScoresJob(future=future, started=time.monotonic())


def sweep(key: ModelKey) -> SweepResult:
    """The whole sweep (fits, silhouette, CH, DB, suggestion), waiting for its scores.

    The scores are computed in the background worker (started by the first call of
    this function or of :func:`sweep_if_ready` for the key); numba's kernels release
    the GIL there, so other sessions' scripts keep running.
    """
    job = scores_job(key).future
    if not job.done():
        with st.spinner("Scoring k-means for every k (silhouette, CH, DB)…"):
            return job.result()
    return job.result()


def sweep_if_ready(key: ModelKey) -> SweepResult | None:
    """The whole sweep when its scores are done; else None (and they are under way)."""
    job = scores_job(key).future
    return job.result() if job.done() else None


def n_starts(key: ModelKey, n_init: NInit | None = None) -> int:
    """The k-means++ starts a sweep of ``key`` keeps the best of (``n_init``: another setting)."""
    chosen = key.n_init if n_init is None else n_init
    if chosen != "auto":
        return int(chosen)
    return engine_model.auto_n_init(scaled(key).train.shape[0] > engine_model.FIT_SAMPLE_ROWS)


# Starts of the fine k-means of the two levels: many clusters make each start slower.
LEVELS_N_INIT = 5


_LEVELS_SPINNER = "Fitting the fine k-means clusters and joining them by Ward's method…"


@per_source(max_entries=8, keep=2, spinner=_LEVELS_SPINNER, work_bytes=_fit_work_bytes)
def levels(key: ModelKey) -> dict[int, Levels]:
    """The two levels of ``key`` (method "levels") for every k of the sweep below its fine k."""
    return fit_levels_for_every_k(
        scaled(key).train,
        key.fine_k,
        sweep_fits(key).k_values,
        random_state=key.random_state,
        n_init=LEVELS_N_INIT,
        latitude=train_column(key, "latitude"),
    )


_REGIONS_SPINNER = "Growing contiguous regions (Ward's method on the places' neighbours)…"


@per_source(max_entries=8, keep=2, spinner=_REGIONS_SPINNER, work_bytes=_fit_work_bytes)
def regions(key: ModelKey) -> dict[int, Regions]:
    """The contiguous regions of ``key`` (method "regions") for every k of the sweep."""
    return fit_regions(
        scaled(key).train,
        train_column(key, "latitude"),
        train_column(key, "longitude"),
        list(sweep_fits(key).k_values),
        location_weight=key.location_weight,
        random_state=key.random_state,
    )


@per_source(max_entries=8, keep=2, work_bytes=_fit_work_bytes)
def applied(key: ModelKey) -> AppliedModel:
    """The saved model of ``key`` applied to every row of its data (method "model").

    Raises ``ValueError`` saying what to do when this session no longer holds the model or
    the data cannot take it.
    """
    model = saved_models.held(key.saved_model)
    if model is None:
        raise ValueError(
            "This session no longer holds the saved model these settings apply; apply the "
            "model file again on the Data page."
        )
    return apply_model(model, dataset(key.source).places.frame)


def k_values(key: ModelKey) -> tuple[int, ...]:
    """The k's the method of ``key`` offers: the sweep's, below the fine k for two levels and
    not below the number of separate groups of places for regions."""
    if key.method == "model":
        return (len(applied(key).sizes),)
    if key.method == "levels":
        return tuple(levels(key))
    if key.method == "regions":  # not below the number of separate groups of places
        return tuple(regions(key))
    return sweep_fits(key).k_values


def method_labels(key: ModelKey, k: int) -> np.ndarray:
    """The fitted rows' cluster ids at k under the method of ``key``."""
    if key.method == "levels":
        return levels(key)[k].coarse_labels
    if key.method == "regions":
        fitted = regions(key)
        if k not in fitted:
            groups = next(iter(fitted.values())).n_components
            raise ValueError(
                f"The {row_count(key.source):,} places form {groups} separate groups that no "
                "chain of nearest neighbours joins, and a region cannot span two groups: choose "
                f"k of at least {groups}, or remove the outlying places."
            )
        return fitted[k].labels
    if key.method == "model":
        return applied(key).labels[fit_rows(key).train]
    return sweep_fits(key).labels_for(k)


@per_source(max_entries=64, keep=4)
def row_labels(key: ModelKey, k: int) -> RowLabels:
    """Labels for every data row at k: train rows from the sweep, test rows by nearest centroid."""
    if key.method == "model":
        labels = np.array(applied(key).labels, copy=True)
        labels.setflags(write=False)
        return RowLabels(labels=labels, is_test=None)
    if key.method == "kmeans":  # test rows go to the nearest centroid
        centroids, test = sweep_fits(key).centroids_for(k), scaled(key).test
    else:
        centroids, test = np.empty((0, 0)), None
    return row_labels_engine.label_every_row(
        row_count(key.source), fit_rows(key), method_labels(key, k), centroids, test
    )
