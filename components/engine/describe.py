"""Describe clusters in words and numbers, and check how well they separate house prices.

Pure Python (no Streamlit). Three functions for the "Beyond the peers" page:

- :func:`describe_clusters`: per cluster, where it lies (compass direction from the data's
  centre, how far, how spread out), its median house value and income against the overall
  median, its ``ocean_proximity`` mix and the features that stand out, plus a plain-language
  paragraph. Works on frames without coordinates (``latitude``, ``longitude``) or categories
  (user CSVs): those parts are then ``None`` and left out of the paragraph.
- :func:`price_separation`: how much of the variation in a value (median house value) the
  clusters explain (eta squared) and whether the groups differ (Kruskal-Wallis).
- :func:`train_test_price_check`: does each cluster's price distribution hold on held-out rows?

Conventions: ``labels`` are aligned with the rows of ``frame`` (by position); ``-1`` (any
negative id) marks a row that was not clustered, and such rows are ignored everywhere except in
the data's centre, which is the median place of *all* rows with coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from components.engine.clustering import cluster_profiles
from components.engine.features import FEATURE_CATALOGUE
from components.engine.grouped import sums_of_squares
from components.engine.validation import clustered_values, validate_frame_labels

__all__ = [
    "CATEGORY_WORDS",
    "CENTRAL_FRACTION",
    "KM_PER_DEGREE",
    "MEDIAN_TOLERANCE",
    "MIN_TEST_ROWS",
    "STANDOUT_Z",
    "ClusterDescription",
    "ClusterPriceCheck",
    "PriceCheckResult",
    "SeparationResult",
    "compass_direction",
    "describe_clusters",
    "descriptions_table",
    "price_separation",
    "relative_phrase",
    "train_test_price_check",
]

KM_PER_DEGREE = 111.195  # one degree of latitude on the IUGG mean-radius sphere, in km
# A cluster whose centre lies closer to the data's centre than this share of the data's typical
# distance from its centre (root-mean-square) is called "central": on the housing data that is
# about 60 km, so the Los Angeles clusters read "central" and Sacramento reads "north".
CENTRAL_FRACTION = 0.2
STANDOUT_Z = 0.5  # half a standard deviation: a difference worth a word
SAME_BAND = 0.05  # ratios within +/-5% of 1 read "about the same as"
MEDIAN_TOLERANCE = 0.10  # train/test medians within 10% -> the cluster's price "holds"
MIN_TEST_ROWS = 10  # fewer test rows than this -> too few to judge

_COMPASS = (
    "east",
    "north-east",
    "north",
    "north-west",
    "west",
    "south-west",
    "south",
    "south-east",
)

CATEGORY_WORDS: dict[str, str] = {
    "<1H OCEAN": "within an hour of the ocean",
    "INLAND": "inland",
    "NEAR OCEAN": "near the ocean",
    "NEAR BAY": "near the bay",
    "ISLAND": "on an island",
}


# --------------------------------------------------------------------------- wording helpers


def compass_direction(north_km: float, east_km: float, dead_zone_km: float) -> str:
    """Name the direction of an offset: one of 8 compass points, or "central" inside the dead zone.

    Parameters
    ----------
    north_km, east_km : float
        Offset from the centre in km (positive = north / east).
    dead_zone_km : float
        Offsets shorter than this are "central".

    Returns
    -------
    str
        "north", "north-east", ..., or "central".
    """
    if math.hypot(north_km, east_km) < dead_zone_km:
        return "central"
    angle = math.degrees(math.atan2(north_km, east_km)) % 360.0
    return _COMPASS[round(angle / 45.0) % 8]


def relative_phrase(ratio: float) -> str:
    """Turn a ratio to a reference into words: "35% above", "20% below", "about the same as".

    Parameters
    ----------
    ratio : float
        Value divided by the reference.

    Returns
    -------
    str
        The phrase (or "not comparable to" for a non-finite ratio).
    """
    if not math.isfinite(ratio):
        return "not comparable to"
    if abs(ratio - 1.0) < SAME_BAND:
        return "about the same as"
    if ratio >= 1.0:
        return f"{(ratio - 1.0) * 100:.0f}% above"
    return f"{(1.0 - ratio) * 100:.0f}% below"


def _label(column: str) -> str:
    feature = FEATURE_CATALOGUE.get(column)
    return feature.label.lower() if feature is not None else column


def _format_value(column: str, value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    if column == "median_house_value":
        return f"${value:,.0f}"
    if column == "median_income":
        return f"${value * 10_000:,.0f}"  # the census unit is tens of thousands of USD
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _format_p(p_value: float) -> str:
    if not math.isfinite(p_value):
        return "p not defined"
    if p_value < 1e-300:
        return "p < 1e-300"
    if p_value < 0.001:
        return f"p = {p_value:.1e}"
    return f"p = {p_value:.3f}"


# --------------------------------------------------------------------------- describe_clusters


@dataclass(frozen=True)
class ClusterDescription:
    """One cluster, in numbers and in words.

    Attributes
    ----------
    cluster, size, share, centroid :
        As in :class:`components.engine.clustering.ClusterProfile`, which they are copied from.
    direction : str or None
        Compass direction from the data's centre ("north-west", ..., "central").
    distance_km : float or None
        Distance of the cluster's mean position from the data's centre (None without
        coordinates, as the other position fields).
    spread_north_south_km, spread_east_west_km : float or None
        Standard deviation of the members' latitude / longitude, in km.
    value_median, value_ratio : float or None
        Median of the value column (median house value) and its ratio to the overall median.
    income_median, income_ratio : float or None
        Same for the income column (median income).
    category_shares : dict[str, float] or None
        Share of each category (``ocean_proximity``), largest first; None without the column.
    top_category : str or None
        The most common category.
    standouts : tuple[tuple[str, float], ...]
        Up to ``n_standouts`` ``(column, z)`` pairs, largest ``|z|`` first, where ``z`` is the
        cluster mean minus the overall mean in overall standard deviations. Coordinates are left
        out when the position is described.
    summary : str
        One plain-language paragraph.
    """

    cluster: int
    size: int
    share: float
    centroid: dict[str, float]
    direction: str | None
    distance_km: float | None
    spread_north_south_km: float | None
    spread_east_west_km: float | None
    value_median: float | None
    value_ratio: float | None
    income_median: float | None
    income_ratio: float | None
    category_shares: dict[str, float] | None
    top_category: str | None
    standouts: tuple[tuple[str, float], ...]
    summary: str


def _numeric(frame: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None or column not in frame.columns:
        return None
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    return values if np.isfinite(values).any() else None


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def _ratio(median: float, overall: float) -> float:
    return median / overall if overall else float("nan")


def _compared(
    values: np.ndarray | None, members: np.ndarray, overall: float
) -> tuple[float | None, float | None]:
    """A cluster's median of a column and its ratio to the overall median; None without either."""
    if values is None or not members.any():
        return None, None
    median = _median(values[members])
    return median, _ratio(median, overall)


def _position_sentence(description: ClusterDescription) -> str:
    where = (
        "lies around the centre of the data (the median place)"
        if description.direction == "central"
        else f"lies {description.direction} of the centre of the data (the median place), about "
        f"{description.distance_km:,.0f} km away"
    )
    return (
        f"{where}, spread over about ±{description.spread_north_south_km:,.0f} km north-south "
        f"and ±{description.spread_east_west_km:,.0f} km east-west"
    )


def _comparison_sentence(column: str, median: float, overall: float) -> str:
    return (
        f"its {_label(column)}, {_format_value(column, median)}, is "
        f"{relative_phrase(_ratio(median, overall))} the overall median "
        f"({_format_value(column, overall)})"
    )


def describe_clusters(
    frame: pd.DataFrame,
    labels: np.ndarray,
    features: Sequence[str],
    *,
    value_column: str | None = "median_house_value",
    income_column: str | None = "median_income",
    category_column: str | None = "ocean_proximity",
) -> list[ClusterDescription]:
    """Describe every cluster: position, spread, price and income, category mix, standouts.

    Parameters
    ----------
    frame : pd.DataFrame
        The rows in original units (e.g. ``HousingData.frame`` or an uploaded CSV).
    labels : array-like of int, shape (len(frame),)
        Cluster id per row, aligned by position; negative = not clustered.
    features : sequence of str
        The features that were clustered (their cluster means go into ``centroid``).
    value_column, income_column : str or None
        Columns compared with their overall median (median house value, median income); skipped
        when absent.
    category_column : str or None
        Categorical column whose mix is reported (``ocean_proximity``); skipped when absent.

    Returns
    -------
    list[ClusterDescription]
        One per cluster id ``0 .. max(labels)``, in id order.
    """
    ids = validate_frame_labels(frame, labels).astype(np.int64, copy=False)
    clustered = ids >= 0
    if not clustered.any():
        raise ValueError("labels has no clustered row (all ids are negative); nothing to describe.")
    latitude = _numeric(frame, "latitude")
    longitude = _numeric(frame, "longitude")
    coordinates = () if latitude is None or longitude is None else ("latitude", "longitude")
    numeric_columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    profiles = cluster_profiles(
        frame,
        ids,
        features,
        # The profile's value quartiles are not used here; a name no column can have skips them.
        value_column if value_column is not None and value_column in frame.columns else "\x00",
        standout_columns=[c for c in numeric_columns if c not in coordinates],
    )

    centre_lat = centre_lon = dead_zone = float("nan")
    km_per_degree_lon = KM_PER_DEGREE
    if latitude is not None and longitude is not None:
        located = np.isfinite(latitude) & np.isfinite(longitude)
        centre_lat = float(np.median(latitude[located]))
        centre_lon = float(np.median(longitude[located]))
        km_per_degree_lon = KM_PER_DEGREE * math.cos(math.radians(centre_lat))
        north = (latitude[located] - centre_lat) * KM_PER_DEGREE
        east = (longitude[located] - centre_lon) * km_per_degree_lon
        dead_zone = CENTRAL_FRACTION * float(np.sqrt(np.mean(north**2 + east**2)))

    values = _numeric(frame, value_column)
    incomes = _numeric(frame, income_column)
    overall_value = _median(values[clustered]) if values is not None else float("nan")
    overall_income = _median(incomes[clustered]) if incomes is not None else float("nan")
    categories = (
        frame[category_column].astype("string")
        if category_column is not None and category_column in frame.columns
        else None
    )

    descriptions = []
    for profile in profiles:
        members = ids == profile.cluster
        # direction, distance_km and the two spreads
        position: tuple[str | None, float | None, float | None, float | None] = (None,) * 4
        if latitude is not None and longitude is not None and profile.size:
            lat_members = latitude[members & np.isfinite(latitude)]
            lon_members = longitude[members & np.isfinite(longitude)]
            if lat_members.size and lon_members.size:
                lat_mean, lon_mean = float(lat_members.mean()), float(lon_members.mean())
                north_km = (lat_mean - centre_lat) * KM_PER_DEGREE
                east_km = (lon_mean - centre_lon) * km_per_degree_lon
                position = (
                    compass_direction(north_km, east_km, dead_zone),
                    math.hypot(north_km, east_km),
                    float(lat_members.std()) * KM_PER_DEGREE,
                    float(lon_members.std()) * KM_PER_DEGREE * math.cos(math.radians(lat_mean)),
                )
        mix = categories[members].value_counts(normalize=True) if categories is not None else {}
        shares = {str(name): float(share) for name, share in mix.items()} or None
        # The fields in declaration order; the summary reads the others.
        description = ClusterDescription(
            profile.cluster,
            profile.size,
            profile.share,
            dict(profile.centroid),
            *position,
            *_compared(values, members, overall_value),
            *_compared(incomes, members, overall_income),
            shares,
            next(iter(shares)) if shares else None,
            profile.standouts,
            "",
        )
        summary = _summary(description, value_column, income_column, overall_value, overall_income)
        descriptions.append(replace(description, summary=summary))
    return descriptions


def descriptions_table(descriptions: Sequence[ClusterDescription]) -> pd.DataFrame:
    """Return the numbers of :func:`describe_clusters` as one row per cluster.

    Parameters
    ----------
    descriptions : sequence of ClusterDescription
        Result of :func:`describe_clusters`.

    Returns
    -------
    pd.DataFrame
        Columns cluster, size, share, direction, distance_km, spread_north_south_km,
        spread_east_west_km, value_median, value_ratio, income_median, income_ratio,
        top_category, top_category_share, standouts (text such as "median_income +1.8 sd"),
        summary. Missing parts are None / NaN.
    """
    table = pd.DataFrame([vars(d) for d in descriptions])
    table = table.drop(columns=["centroid", "category_shares"])
    table["standouts"] = [
        ", ".join(f"{name} {z:+.1f} sd" for name, z in d.standouts) for d in descriptions
    ]
    # The top category is the first of the shares, largest first.
    top_shares = [
        next(iter(d.category_shares.values())) if d.category_shares else None for d in descriptions
    ]
    table.insert(list(table).index("top_category") + 1, "top_category_share", top_shares)
    return table


def _summary(
    description: ClusterDescription,
    value_column: str | None,
    income_column: str | None,
    overall_value: float,
    overall_income: float,
) -> str:
    if description.size == 0:
        return f"Cluster {description.cluster} is empty."
    first = (
        f"Cluster {description.cluster} ({description.size:,} places, "
        f"{description.share:.0%} of those clustered)"
    )
    if description.direction is not None:
        first += " " + _position_sentence(description)
    sentences = [first + "."]
    comparisons = [
        _comparison_sentence(column, median, overall)
        for column, median, overall in (
            (value_column, description.value_median, overall_value),
            (income_column, description.income_median, overall_income),
        )
        if median is not None and column is not None
    ]
    if comparisons:
        text = "; ".join(comparisons)
        sentences.append(text[0].upper() + text[1:] + ".")
    if description.category_shares:  # largest first: the first is the top category
        top, share = next(iter(description.category_shares.items()))
        words = CATEGORY_WORDS.get(top, f"in category '{top}'")
        lead = "Most of it" if share >= 0.5 else "The largest part"
        sentences.append(f"{lead} is {words} ({share:.0%}).")
    notable = [(name, z) for name, z in description.standouts if abs(z) >= STANDOUT_Z]
    if notable:
        listed = ", ".join(
            f"{'high' if z > 0 else 'low'} {_label(name)} ({z:+.1f} sd)" for name, z in notable
        )
        sentences.append(f"It stands out for {listed}.")
    elif description.standouts:
        sentences.append("None of its features differs from the overall mean by half a sd or more.")
    return " ".join(sentences)


# --------------------------------------------------------------------------- price_separation


@dataclass(frozen=True)
class SeparationResult:
    """How strongly the clusters separate a value (median house value).

    Attributes
    ----------
    eta_squared : float
        Between-cluster sum of squares / total sum of squares, in ``[0, 1]`` (NaN when the values
        do not vary): the share of the variation the cluster means explain.
    kruskal_h : float
        Kruskal-Wallis H statistic (rank-based, robust to the 500,001 cap and skew).
    p_value : float
        Kruskal-Wallis p-value (may underflow to 0.0 for large data).
    n_rows : int
        Rows used (clustered, finite value).
    n_clusters : int
        Non-empty clusters among them.
    sentence : str
        E.g. "The clusters explain 62% of the variation in median house value;
        Kruskal-Wallis p < 1e-300."
    """

    eta_squared: float
    kruskal_h: float
    p_value: float
    n_rows: int
    n_clusters: int
    sentence: str


def price_separation(
    values: np.ndarray, labels: np.ndarray, *, value_name: str = "median house value"
) -> SeparationResult:
    """Share of the variation in a value explained by the clusters, and a Kruskal-Wallis test.

    Parameters
    ----------
    values : array-like of float, shape (n,)
        The value per row (median house value); NaN rows are ignored.
    labels : array-like of int, shape (n,)
        Cluster per row; negative = not clustered (ignored).
    value_name : str
        How the value is called in the sentence.

    Returns
    -------
    SeparationResult
        eta squared, H, p-value and a sentence.
    """
    numbers, ids = clustered_values(
        values, labels, name="price_separation: values", drop_non_finite=True
    )
    groups = [numbers[ids == cluster] for cluster in np.unique(ids)]
    if len(groups) < 2:
        raise ValueError(
            f"price_separation needs at least 2 non-empty clusters with finite values; got "
            f"{len(groups)}."
        )
    between, total, _ = sums_of_squares(numbers, ids)
    if total > 0:
        eta_squared = between / total
        h_statistic, p_value = (float(number) for number in stats.kruskal(*groups))
        sentence = (
            f"The clusters explain {eta_squared:.0%} of the variation in {value_name}; "
            f"Kruskal-Wallis {_format_p(p_value)}."
        )
    else:
        eta_squared = h_statistic = p_value = float("nan")
        sentence = f"Every row has the same {value_name}, so there is no variation to explain."
    return SeparationResult(
        eta_squared=eta_squared,
        kruskal_h=h_statistic,
        p_value=p_value,
        n_rows=int(numbers.size),
        n_clusters=len(groups),
        sentence=sentence,
    )


# --------------------------------------------------------------------------- train/test check


@dataclass(frozen=True)
class ClusterPriceCheck:
    """One cluster's value distribution on the training rows and on the test rows.

    Attributes
    ----------
    cluster : int
        Cluster id.
    n_train, n_test : int
        Rows of the cluster in each part.
    median_train, median_test : float
        Medians (NaN when the part is empty).
    iqr_train, iqr_test : float
        Inter-quartile ranges.
    median_change : float
        ``median_test / median_train - 1`` (NaN when not comparable).
    ks_statistic, ks_p_value : float
        Two-sample Kolmogorov-Smirnov test (NaN when a part is empty); reported, not used for
        the verdict (with thousands of rows it flags differences too small to matter).
    holds : bool or None
        True when ``|median_change| <= MEDIAN_TOLERANCE``; None when the test part has fewer
        than ``MIN_TEST_ROWS`` rows.
    """

    cluster: int
    n_train: int
    n_test: int
    median_train: float
    median_test: float
    iqr_train: float
    iqr_test: float
    median_change: float
    ks_statistic: float
    ks_p_value: float
    holds: bool | None


@dataclass(frozen=True)
class PriceCheckResult:
    """Whether the clusters' value distributions hold on the test rows.

    Attributes
    ----------
    clusters : tuple[ClusterPriceCheck, ...]
        One per cluster id present in either part, ascending.
    tolerance : float
        Largest relative change of a median that still "holds".
    all_hold : bool
        True when every judged cluster holds.
    verdict : str
        Plain-language summary.
    """

    clusters: tuple[ClusterPriceCheck, ...]
    tolerance: float
    all_hold: bool
    verdict: str

    def table(self) -> pd.DataFrame:
        """Return one row per cluster with every field of :class:`ClusterPriceCheck`.

        Returns
        -------
        pd.DataFrame
            Ready for ``st.dataframe``.
        """
        return pd.DataFrame([check.__dict__ for check in self.clusters])


def _quartiles(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return float("nan"), float("nan")
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return float(median), float(q3 - q1)


def train_test_price_check(
    train_values: np.ndarray,
    train_labels: np.ndarray,
    test_values: np.ndarray,
    test_labels: np.ndarray,
) -> PriceCheckResult:
    """Compare each cluster's value median and IQR on the training rows with the test rows.

    The tutorial fits k-means on a training split and assigns the test rows to the fitted
    centroids; if the clusters describe real groups, each cluster's prices look alike in both
    parts. A cluster *holds* when its test median is within :data:`MEDIAN_TOLERANCE` (10%) of
    its training median; a cluster with fewer than :data:`MIN_TEST_ROWS` test rows is not
    judged. A KS test per cluster is reported too.

    Parameters
    ----------
    train_values, test_values : array-like of float
        The value per row of each part (NaN rows ignored).
    train_labels, test_labels : array-like of int
        Cluster per row (test rows: nearest training centroid); negative = ignored.

    Returns
    -------
    PriceCheckResult
        Per-cluster medians, IQRs, KS test and a verdict.
    """
    train, train_ids = clustered_values(
        train_values, train_labels, name="train: values", drop_non_finite=True
    )
    test, test_ids = clustered_values(
        test_values, test_labels, name="test: values", drop_non_finite=True
    )
    if train.size == 0 or test.size == 0:
        raise ValueError(
            f"train has {train.size} and test {test.size} usable rows; expected both > 0."
        )
    checks = []
    for cluster in np.union1d(train_ids, test_ids):
        part_train = train[train_ids == cluster]
        part_test = test[test_ids == cluster]
        median_train, iqr_train = _quartiles(part_train)
        median_test, iqr_test = _quartiles(part_test)
        both = part_train.size > 0 and part_test.size > 0
        change = median_test / median_train - 1.0 if both and median_train != 0 else math.nan
        ks = stats.ks_2samp(part_train, part_test)[:2] if both else (math.nan, math.nan)
        judged = part_test.size >= MIN_TEST_ROWS and math.isfinite(change)
        checks.append(
            ClusterPriceCheck(
                cluster=int(cluster),
                n_train=int(part_train.size),
                n_test=int(part_test.size),
                median_train=median_train,
                median_test=median_test,
                iqr_train=iqr_train,
                iqr_test=iqr_test,
                median_change=change,
                ks_statistic=float(ks[0]),
                ks_p_value=float(ks[1]),
                holds=abs(change) <= MEDIAN_TOLERANCE if judged else None,
            )
        )
    judged = [c for c in checks if c.holds is not None]
    failing = [c for c in judged if not c.holds]
    skipped = [c.cluster for c in checks if c.holds is None]
    if not judged:
        verdict = (
            f"No cluster has {MIN_TEST_ROWS} or more test rows, so the test split cannot "
            "confirm the clusters."
        )
    elif not failing:
        verdict = (
            "The median house value distribution holds on the test rows: in all "
            f"{len(judged)} judged clusters the test median is within {MEDIAN_TOLERANCE:.0%} of "
            "the training median."
        )
    else:
        listed = ", ".join(f"cluster {c.cluster} ({c.median_change:+.0%})" for c in failing)
        verdict = (
            f"The median house value distribution holds in {len(judged) - len(failing)} of "
            f"{len(judged)} judged clusters; the test median moves by more than "
            f"{MEDIAN_TOLERANCE:.0%} in {listed}."
        )
    if skipped and judged:
        verdict += (
            f" Not judged (fewer than {MIN_TEST_ROWS} test rows): cluster(s) "
            f"{', '.join(str(c) for c in skipped)}."
        )
    return PriceCheckResult(
        clusters=tuple(checks),
        tolerance=MEDIAN_TOLERANCE,
        all_hold=bool(judged) and not failing,
        verdict=verdict,
    )
