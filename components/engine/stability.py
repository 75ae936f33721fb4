"""Are the clusters real? Reproducibility of k-means across seeds and resamples.

Pure Python (no Streamlit).

How stability is measured (:func:`stability_across_k`)
-----------------------------------------------------
For every k the *reference* partition is the one the app shows (``reference_labels``). Then
k-means is refitted

* with ``n_runs`` other seeds on the same rows ("seed runs"), and
* ``n_resamples`` times on random subsets of the rows ("resample runs"): ``SAMPLE_FRACTION``
  (80%) of the rows drawn without replacement (a bootstrap would repeat rows, which weights them
  double in k-means).

Every rerun assigns **all** rows to its nearest centroid, so every partition covers the same
rows and two partitions are compared with the adjusted Rand index (ARI, 1 = identical up to
renaming, about 0 = no better than chance). The ARIs of a k are the pairwise ARIs among the
reference and the seed runs, plus the ARI of each resample run with the reference.

Large data: above ``max_fit_rows`` rows (default 5,000) every rerun is *fitted* on a fixed random
subset of ``max_fit_rows`` rows (resample runs on ``SAMPLE_FRACTION`` of that many rows, drawn from
all rows) and then assigns all rows to its centroids. On the housing data this keeps the flagged
k's at a fraction of the CPU time (BENCHMARKS.md, "Measured defaults").

Speed: the fits run one at a time, each with one OpenMP/BLAS thread, since scikit-learn's
default threading costs more than it gains on these small fits, and running two fits at a time
in threads gains nothing either (the fits are short and partly hold the GIL; BENCHMARKS.md,
"Measured defaults").

Thresholds
----------
A k is flagged *not reproducible* when the mean ARI is below ``0.80`` or the smallest ARI is below
``0.65``. Steinley (2004, "Properties of the Hubert-Arabie adjusted Rand index", Psychological
Methods 9(3)) reads ARI >= 0.90 as excellent, >= 0.80 as good, >= 0.65 as moderate and < 0.65 as
poor agreement: a k is trusted when reruns agree *well* on average and *none* disagrees poorly
(a single poor rerun means the map can change completely on another seed).

Per cluster of the reference, the Jaccard index with its best-matching rerun cluster is averaged
over the reruns (Hennig 2007, "Cluster-wise assessment of cluster stability"): >= 0.75 stable,
0.60-0.75 a pattern whose exact members are doubtful, < 0.60 not to be trusted.

A reference cluster *splits* in a rerun when at least two rerun clusters each receive >= 20% of its
rows; two reference clusters *merge* when both send >= 80% of their rows to the same rerun cluster.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

# clustergram is re-exported for components.ui.cache.insight, which imports it from here.
from components.engine.clustergram import clustergram
from components.engine.clustering import assign_to_centroids, n_distinct_rows
from components.engine.partitions import adjusted_rand, contingency_table
from components.engine.validation import (
    check_int,
    check_n_init,
    check_random_state,
    validate_k_values,
    validate_matrix,
)

__all__ = [
    "JACCARD_PATTERN",
    "JACCARD_STABLE",
    "MAX_FIT_ROWS",
    "MEAN_ARI_THRESHOLD",
    "MERGE_SHARE",
    "MIN_ARI_THRESHOLD",
    "SAMPLE_FRACTION",
    "SPLIT_SHARE",
    "ClusterStability",
    "KStability",
    "StabilityResult",
    "clustergram",
    "merge_stability_results",
    "stability_across_k",
]

MEAN_ARI_THRESHOLD = 0.80  # Steinley (2004): "good" agreement starts here
MIN_ARI_THRESHOLD = 0.65  # Steinley (2004): below this agreement is "poor"
JACCARD_STABLE = 0.75  # Hennig (2007): a valid, stable cluster
JACCARD_PATTERN = 0.60  # Hennig (2007): below this a cluster should not be trusted
SPLIT_SHARE = 0.20
MERGE_SHARE = 0.80
MAX_FIT_ROWS = 5_000
SAMPLE_FRACTION = 0.8  # share of the fit rows in each resample run
_ARI_STATS = ("ari_mean", "ari_std", "ari_min", "ari_max")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ClusterStability:
    """How one cluster of the reference fit behaves across reruns.

    Attributes
    ----------
    cluster : int
        Reference cluster id (= colour index).
    size : int
        Rows in the reference cluster.
    jaccard_mean, jaccard_min : float
        Jaccard index with the best-matching rerun cluster, mean and minimum over reruns.
    split_share : float
        Share of reruns in which the cluster splits (>= 2 rerun clusters get >= 20% of it).
    merge_share : float
        Share of reruns in which it merges with another reference cluster.
    merged_with : tuple[int, ...]
        Reference clusters it merged with in at least one rerun, most frequent first.
    verdict : {'stable', 'pattern', 'unstable'}
        From ``jaccard_mean``: >= 0.75 stable, >= 0.60 pattern, else unstable.
    """

    cluster: int
    size: int
    jaccard_mean: float
    jaccard_min: float
    split_share: float
    merge_share: float
    merged_with: tuple[int, ...]
    verdict: str


@dataclass(frozen=True)
class KStability:
    """Reproducibility of the clustering for one k.

    Attributes
    ----------
    k : int
        Number of clusters.
    ari_mean, ari_std, ari_min, ari_max : float
        Over the pairwise ARIs among the reference and the seed runs (``(n_runs + 1) n_runs / 2``
        values) and the ARI of each resample run with the reference (``ari_std`` is the
        population std).
    reproducible : bool
        False when ``ari_mean < 0.80`` or ``ari_min < 0.65``.
    reason : str or None
        Why the k is flagged, None when it is reproducible.
    clusters : tuple[ClusterStability, ...]
        One entry per reference cluster id ``0 .. k-1``.
    summary : str
        One or two sentences for the page.
    """

    k: int
    ari_mean: float
    ari_std: float
    ari_min: float
    ari_max: float
    reproducible: bool
    reason: str | None
    clusters: tuple[ClusterStability, ...]
    summary: str

    def cluster_table(self) -> pd.DataFrame:
        """Return one row per reference cluster with its stability statistics.

        Returns
        -------
        pd.DataFrame
            Columns cluster, size, jaccard_mean, jaccard_min, split_share, merge_share,
            merged_with (text such as "2, 5"), verdict.
        """
        return pd.DataFrame(
            [vars(c) | {"merged_with": _join(c.merged_with)} for c in self.clusters]
        )


@dataclass(frozen=True)
class StabilityResult:
    """Stability of k-means for every k (arrays are indexed like ``k_values``).

    Attributes
    ----------
    k_values : tuple[int, ...]
        Ascending k's.
    per_k : tuple[KStability, ...]
        Details per k.
    ari_mean, ari_std, ari_min, ari_max : np.ndarray
        One float per k (for the ARI-per-k chart).
    flagged : tuple[int, ...]
        The k's that are not reproducible.
    n_runs, n_resamples : int
        Seed reruns and resample reruns per k.
    n_samples : int
        Rows compared (all rows of ``X``).
    fit_rows : int
        Rows each seed run is fitted on (``min(n_samples, max_fit_rows)``).
    n_init : 'auto' or int
        k-means initialisations per run.
    mean_threshold, min_threshold : float
        The ARI thresholds of the flag (``MEAN_ARI_THRESHOLD``, ``MIN_ARI_THRESHOLD``).
    seconds : float
        Wall time of the whole analysis.
    method : str
        Plain-language description of what was done (for the page's caption).
    """

    k_values: tuple[int, ...]
    per_k: tuple[KStability, ...]
    ari_mean: np.ndarray
    ari_std: np.ndarray
    ari_min: np.ndarray
    ari_max: np.ndarray
    flagged: tuple[int, ...]
    n_runs: int
    n_resamples: int
    n_samples: int
    fit_rows: int
    n_init: int | str
    mean_threshold: float
    min_threshold: float
    seconds: float
    method: str

    def for_k(self, k: int) -> KStability:
        """Return the details of one k.

        Parameters
        ----------
        k : int
            A value of ``k_values``.

        Returns
        -------
        KStability
            The entry for ``k``.
        """
        if isinstance(k, Integral) and not isinstance(k, bool) and int(k) in self.k_values:
            return self.per_k[self.k_values.index(int(k))]
        raise ValueError(f"k={k!r} was not analysed; expected one of {list(self.k_values)}.")

    def table(self) -> pd.DataFrame:
        """Return one row per k: k, ari_mean, ari_std, ari_min, ari_max, reproducible.

        Returns
        -------
        pd.DataFrame
            The per-k summary, ready for ``st.dataframe``.
        """
        return pd.DataFrame(
            {
                "k": list(self.k_values),
                **{name: getattr(self, name) for name in _ARI_STATS},
                "reproducible": [entry.reproducible for entry in self.per_k],
            }
        )


# --------------------------------------------------------------------------- validation


def _check_reference(
    reference_labels: object, k_values: tuple[int, ...], n_samples: int
) -> np.ndarray:
    labels = np.asarray(reference_labels)
    expected = (len(k_values), n_samples)
    if labels.shape != expected:
        raise ValueError(
            f"reference_labels has shape {labels.shape}; expected {expected} "
            "(one row of cluster ids per k, e.g. SweepResult.labels)."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"reference_labels must hold integer ids; got dtype {labels.dtype}.")
    for k, row in zip(k_values, labels, strict=True):
        if row.min() < 0 or row.max() >= k:
            raise ValueError(
                f"reference_labels for k={k} has ids in [{int(row.min())}, {int(row.max())}]; "
                f"expected ids in [0, {k - 1}]."
            )
    return labels.astype(np.int64, copy=False)


# --------------------------------------------------------------------------- fitting


def _fit_assign(
    X: np.ndarray, k: int, seed: int, rows: np.ndarray | None, n_init: int | str
) -> np.ndarray:
    """Fit k-means on ``rows`` (None: all rows) and return the nearest-centroid id of every row."""
    model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
    if rows is None:
        return np.asarray(model.fit(X).labels_, dtype=np.int64)
    return assign_to_centroids(X, model.fit(X[rows]).cluster_centers_)


# --------------------------------------------------------------------------- per-k analysis


def _cluster_changes(
    reference: np.ndarray, reruns: Sequence[np.ndarray], k: int
) -> tuple[ClusterStability, ...]:
    """Jaccard, split and merge statistics of each reference cluster over the reruns."""
    n_reruns = len(reruns)
    jaccard = np.zeros((n_reruns, k))
    splits = np.zeros(k)
    merges = np.zeros(k)
    merge_partners = np.zeros((k, k))
    sizes = np.bincount(reference, minlength=k)
    for run_index, rerun in enumerate(reruns):
        table = contingency_table(reference, rerun, k, k).astype(np.float64)
        row_sums = table.sum(axis=1, keepdims=True)
        col_sums = table.sum(axis=0, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            union = row_sums + col_sums - table
            jaccard[run_index] = np.nan_to_num(table / union).max(axis=1)
            shares = np.nan_to_num(table / row_sums)
        splits += (shares >= SPLIT_SHARE).sum(axis=1) >= 2
        mostly = shares >= MERGE_SHARE  # (reference cluster, rerun cluster)
        together = mostly.astype(np.float64) @ mostly.T.astype(np.float64)  # share a target
        np.fill_diagonal(together, 0.0)
        merge_partners += together > 0
        merges += together.sum(axis=1) > 0
    verdicts = (JACCARD_STABLE, "stable"), (JACCARD_PATTERN, "pattern")
    result = []
    for cluster in range(k):
        mean_jaccard = float(jaccard[:, cluster].mean())
        partners = np.flatnonzero(merge_partners[cluster] > 0)
        partners = partners[np.argsort(-merge_partners[cluster, partners], kind="stable")]
        result.append(
            ClusterStability(
                cluster=cluster,
                size=int(sizes[cluster]),
                jaccard_mean=mean_jaccard,
                jaccard_min=float(jaccard[:, cluster].min()),
                split_share=float(splits[cluster] / n_reruns),
                merge_share=float(merges[cluster] / n_reruns),
                merged_with=tuple(int(p) for p in partners),
                verdict=next((name for low, name in verdicts if mean_jaccard >= low), "unstable"),
            )
        )
    return tuple(result)


def _summarise_k(k: int, values: np.ndarray, clusters: tuple[ClusterStability, ...]) -> KStability:
    """The ARI statistics (``values`` is not empty: there is a rerun), flag and summary of k."""
    mean, std = float(values.mean()), float(values.std())
    low, high = float(values.min()), float(values.max())
    reasons = []
    if mean < MEAN_ARI_THRESHOLD:
        reasons.append(f"mean ARI {mean:.2f} < {MEAN_ARI_THRESHOLD:.2f}")
    if low < MIN_ARI_THRESHOLD:
        reasons.append(f"lowest ARI {low:.2f} < {MIN_ARI_THRESHOLD:.2f}")
    reason = "; ".join(reasons) or None
    reproducible = reason is None
    splitting = [c.cluster for c in clusters if c.split_share > 0]
    merging = [c.cluster for c in clusters if c.merge_share > 0]
    if reproducible:
        summary = (
            f"k={k}: reruns agree (mean ARI {mean:.2f}, lowest {low:.2f}); another seed or "
            "sample gives nearly the same clusters."
        )
    else:
        summary = f"k={k} is not reproducible ({reason}): another seed or sample redraws the map."
    changes = []
    if splitting:
        changes.append(f"cluster(s) {_join(splitting)} split in some reruns")
    if merging:
        changes.append(f"cluster(s) {_join(merging)} merge with another in some reruns")
    if changes:
        summary += " " + "; ".join(changes).capitalize() + "."
    return KStability(
        k=k,
        ari_mean=mean,
        ari_std=std,
        ari_min=low,
        ari_max=high,
        reproducible=reproducible,
        reason=reason,
        clusters=clusters,
        summary=summary,
    )


def _join(values: Sequence[int]) -> str:
    return ", ".join(str(v) for v in values)


def stability_across_k(
    X: np.ndarray,
    k_values: Iterable[int] = range(2, 16),
    *,
    reference_labels: np.ndarray,
    n_runs: int = 5,
    n_resamples: int = 5,
    random_state: int = 0,
    max_fit_rows: int | None = MAX_FIT_ROWS,
    n_init: int | str = "auto",
) -> StabilityResult:
    """Refit k-means with other seeds and on resamples for every k and measure the agreement.

    See the module docstring for the method and the thresholds.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The scaled data that was clustered (finite).
    k_values : iterable of int
        Ascending, distinct k's (default 2..15); unsorted k's are rejected, not sorted, since
        they pair with the rows of ``reference_labels`` by position.
    reference_labels : array-like of int, shape (len(k_values), n_samples)
        The partitions the app shows (e.g. ``SweepResult.labels``), so that cluster ids in the
        result are the map's colours.
    n_runs : int
        Seed reruns per k (seeds ``random_state + 1 ..``), in ``[0, 50]``; default 5.
    n_resamples : int
        Resample reruns per k, in ``[0, 50]``; default 5.
    random_state : int
        Reruns and row draws derive their seeds from it.
    max_fit_rows : int or None
        Above this many rows, reruns are fitted on a fixed random subset of this size and then
        assign all rows (default 5,000; None = always fit on all rows).
    n_init : 'auto' or int
        k-means initialisations per rerun, in ``[1, 50]``; 'auto' (default) is one k-means++
        start, like scikit-learn's default. Use the map's own setting: stability
        with one start mostly measures which local minimum a seed lands in (BENCHMARKS.md,
        "Measured defaults").

    Returns
    -------
    StabilityResult
        Per-k ARIs (mean, std, min, max), flagged k's and per-cluster split / merge statistics.
    """
    start = time.perf_counter()
    data = validate_matrix(X)
    n_samples = data.shape[0]
    runs = check_int(n_runs, "n_runs", 0, 50)
    resamples = check_int(n_resamples, "n_resamples", 0, 50)
    if runs + resamples == 0:
        raise ValueError("n_runs=0 and n_resamples=0; expected at least one rerun.")
    # Reruns take the seeds after random_state (random_state + 1, ...), which must stay < 2**32.
    seed = check_random_state(random_state, 2**32 - 1 - 2 * 50 - 2)
    limit = n_samples if max_fit_rows is None else check_int(max_fit_rows, "max_fit_rows", 10)
    starts = check_n_init(n_init, 50)

    rng = np.random.default_rng(seed)
    n_fit = min(n_samples, limit)
    base_rows = None if n_fit == n_samples else np.sort(rng.choice(n_samples, n_fit, replace=False))
    n_drawn = max(2, round(SAMPLE_FRACTION * n_fit))
    fit_data = data if base_rows is None else data[base_rows]
    ks = validate_k_values(k_values, n_drawn, n_distinct_rows(fit_data), sort=False)
    reference = _check_reference(reference_labels, ks, n_samples)
    draws: list[np.ndarray | None] = [
        np.sort(rng.choice(n_samples, n_drawn, replace=False)) for _ in range(resamples)
    ]

    # Each k's seed runs, then its resample runs.
    with ThreadpoolController().limit(limits=1):
        results = [
            [
                _fit_assign(data, k, seed + 1 + index, rows, starts)
                for index, rows in enumerate([base_rows] * runs + draws)
            ]
            for k in ks
        ]
    per_k = []
    for ref, k, reruns in zip(reference, ks, results, strict=True):
        # Every pair of the reference and the seed runs, then each resample run with the reference.
        pairs = [
            *itertools.combinations([ref, *reruns[:runs]], 2),
            *((ref, rerun) for rerun in reruns[runs:]),
        ]
        aris = np.array([adjusted_rand(first, second) for first, second in pairs])
        per_k.append(_summarise_k(k, aris, _cluster_changes(ref, reruns, k)))

    if base_rows is None:
        drawn_text = (
            f"random {round(SAMPLE_FRACTION * 100)}% subsets of the rows ({n_drawn:,} rows)"
        )
        subset_text = ""
    else:
        drawn_text = f"random subsets of {n_drawn:,} rows"
        subset_text = (
            f" To stay fast, the seed reruns are fitted on {n_fit:,} randomly chosen rows of "
            f"{n_samples:,}, and every rerun then assigns all rows to its nearest centre."
        )
    starts_text = (
        " Each run uses one k-means++ start, so this also measures how much the result "
        "depends on the seed."
        if starts in ("auto", 1)
        else f" Each run keeps the best of {starts} k-means++ starts."
    )
    method = (
        f"For each k the clustering shown was compared with {runs} reruns using other seeds "
        f"and {resamples} reruns on {drawn_text}, by the adjusted Rand index (1 = the same "
        f"clusters).{subset_text}{starts_text} A k is flagged when the mean ARI is below "
        f"{MEAN_ARI_THRESHOLD:.2f} or any ARI is below {MIN_ARI_THRESHOLD:.2f}."
    )
    return StabilityResult(
        **_of_entries(per_k),
        n_runs=runs,
        n_resamples=resamples,
        n_samples=n_samples,
        fit_rows=n_fit,
        n_init=starts,
        mean_threshold=MEAN_ARI_THRESHOLD,
        min_threshold=MIN_ARI_THRESHOLD,
        seconds=time.perf_counter() - start,
        method=method,
    )


# --------------------------------------------------------------------------- merging


def merge_stability_results(results: Sequence[StabilityResult]) -> StabilityResult:
    """Join stability results computed one k at a time into one result over all their k's.

    ``stability_across_k`` draws its rerun seeds and rows independently of k, so running it on
    each k separately (e.g. to show progress) gives the same ARIs as one run over all k's.

    Parameters
    ----------
    results : sequence of StabilityResult
        Results with the same settings (reruns, resampling, rows, starts) and
        ascending, distinct k's.

    Returns
    -------
    StabilityResult
        Per-k entries and arrays concatenated, flagged k's joined, seconds summed.
    """
    if not results:
        raise ValueError("results is empty; expected at least one StabilityResult.")
    first = results[0]
    for result in results[1:]:
        for name in ("n_runs", "n_resamples", "n_samples", "fit_rows", "n_init"):
            if getattr(result, name) != getattr(first, name):
                raise ValueError(
                    f"results differ in {name} ({getattr(first, name)!r} vs "
                    f"{getattr(result, name)!r}); expected results of one analysis."
                )
    joined = _of_entries([entry for result in results for entry in result.per_k])
    ks = list(joined["k_values"])
    if ks != sorted(set(ks)):
        raise ValueError(f"the results' k's {ks} are not ascending and distinct.")
    # The settings (the same in every result, checked above) and the method are the first one's.
    return replace(first, **joined, seconds=float(sum(r.seconds for r in results)))


def _of_entries(per_k: Sequence[KStability]) -> dict[str, Any]:
    """The fields of a StabilityResult that follow from its per-k entries."""
    arrays = {name: np.array([getattr(entry, name) for entry in per_k]) for name in _ARI_STATS}
    return {
        "k_values": tuple(entry.k for entry in per_k),
        "per_k": tuple(per_k),
        **arrays,
        "flagged": tuple(entry.k for entry in per_k if not entry.reproducible),
    }
