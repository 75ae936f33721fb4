"""The Clusters page's settings and their round trip through the URL's query string.

Pure Python (no Streamlit), so the parsing is tested without a server. A shared link
must reproduce a view, and a hand-edited or stale link must never break the page:
every bad value is replaced by its default and reported in a plain-language notice
that the page shows as a warning. A notice quotes at most ``MAX_QUOTED_CHARS`` characters
of a value and names at most ``MAX_QUOTED_VALUES`` unknown features (a link can hold
anything).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from components.engine.classification.transforms import TRANSFORMS
from components.engine.clustering import NInit
from components.engine.features import DEFAULT_FEATURES, FEATURE_CATALOGUE, MISSING_HANDLINGS
from components.engine.scaling import LOCATION_WEIGHT_RANGE, SCALERS

K_RANGE: tuple[int, int] = (2, 15)
DEFAULT_K = 5
N_INIT_CHOICES: tuple[NInit, ...] = ("auto", 1, 5, 10)
SEED_RANGE: tuple[int, int] = (0, 2**32 - 1)
TEST_SIZE = 0.33  # the tutorial's train_test_split(test_size=0.33, random_state=0)
SPLIT_RANDOM_STATE = 0
LOCATION_FEATURES: tuple[str, str] = ("latitude", "longitude")

# Query-string names of the settings, by field of ClusterSettings (short, so links stay
# readable).
PARAMS: dict[str, str] = {
    "n_clusters": "k",
    "features": "features",
    "scaler": "scaler",
    "location_weight": "weight",
    "random_state": "seed",
    "n_init": "n_init",
    "split": "split",
    "missing": "missing",
    "value_column": "value",
    "transforms": "transform",
    "method": "method",
    "fine_k": "fine_k",
    "names": "names",
    "model": "model",
}
PARAM_NAMES: tuple[str, ...] = tuple(PARAMS.values())
# How the clusters are formed: k-means; Ward regions of neighbouring places; or k-means
# with many clusters then Ward on their centres, k being the number of coarse groups.
METHODS: dict[str, str] = {
    "kmeans": "k-means",
    "regions": "Contiguous regions (Ward on neighbours)",
    "levels": "Two levels (fine k-means, then Ward)",
    "model": "A saved model, applied",
}
FINE_K_RANGE: tuple[int, int] = (3, 60)
DEFAULT_FINE_K = 30
MAX_NAME_CHARS = 60
# Cluster names travel in one parameter, joined by this character (removed from a name).
NAME_SEPARATOR = "|"
MAX_QUOTED_CHARS = 60
MAX_QUOTED_VALUES = 5
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class ClusterSettings:
    """Everything that decides what the clustering pages show, for any data source.

    Attributes
    ----------
    n_clusters : int
        k, in [2, 15].
    features : tuple of str
        Columns of the data, in the user's order.
    scaler : str
        A key of SCALERS.
    location_weight : float
        Weight of the location block (geographic scaler only), in [0, 10].
    random_state : int
        Seed of k-means.
    n_init : "auto" or int
        k-means restarts.
    split : bool
        Fit on a train split (test_size 0.33, random_state 0) and assign the rest.
    missing : str
        "exclude" or "median": what happens to rows missing a chosen feature.
    value_column : str
        The column summarised per cluster (legend's median, box plot, profile quartiles).
    transforms : tuple of (str, str)
        (feature, transform) for each feature whose transform is not "none", a key of
        ``TRANSFORMS``, applied before the scaler.
    method : str
        A key of ``METHODS``.
    fine_k : int
        The number of fine k-means clusters of the "levels" method, in ``FINE_K_RANGE``.
    names : tuple of str
        The analyst's names of the k clusters shown (empty: the drafted names).
    model : str
        The saved model applied by the "model" method: the first 16 hex digits of its
        file's sha256 (empty for the other methods).
    """

    n_clusters: int = DEFAULT_K
    features: tuple[str, ...] = DEFAULT_FEATURES
    scaler: str = "standard"
    location_weight: float = 1.0
    random_state: int = 0
    n_init: NInit = "auto"
    split: bool = False
    missing: str = "exclude"
    value_column: str = "median_house_value"
    transforms: tuple[tuple[str, str], ...] = ()
    method: str = "kmeans"
    fine_k: int = DEFAULT_FINE_K
    names: tuple[str, ...] = ()
    model: str = ""


def quoted(value: str) -> str:
    """A value from the link, quoted for a notice: at most MAX_QUOTED_CHARS characters.

    A longer value is cut, with an ellipsis and its length: ``'xxx…' (20,000 characters)``.
    """
    if len(value) <= MAX_QUOTED_CHARS:
        return repr(value)
    shown = repr(value[:MAX_QUOTED_CHARS])
    return f"{shown[:-1]}…{shown[-1]} ({len(value):,} characters)"


def _last(value: str | Sequence[str]) -> str:
    """The last value of a possibly repeated parameter (what a browser form sends last)."""
    if isinstance(value, str):
        return value
    return str(value[-1]) if len(value) else ""


class _Rule(NamedTuple):
    """How a link's value of a setting is read (None: not valid) and what it should be."""

    read: Callable[[str], Any]
    expected: str


def _number(text: str) -> float | None:
    """The finite number a link's text spells, or None."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _integer_in(low: int, high: int) -> _Rule:
    def read(text: str) -> int | None:
        number = _number(text)
        if number is None or number != int(number):
            return None
        return int(number) if low <= number <= high else None

    return _Rule(read, f"an integer in [{low}, {high}]")


def _one_of(allowed: Sequence[str], expected: str = "") -> _Rule:
    return _Rule(
        lambda text: text if text in allowed else None, expected or "one of " + ", ".join(allowed)
    )


def _read_weight(text: str) -> float | None:
    low, high = LOCATION_WEIGHT_RANGE
    weight = _number(text)
    return round(weight, 2) if weight is not None and low <= weight <= high else None


def _read_split(text: str) -> bool | None:
    word = text.strip().lower()
    return word in _TRUE_WORDS if word in _TRUE_WORDS | _FALSE_WORDS else None


_K = _integer_in(*K_RANGE)
_N_INITS = {str(choice): choice for choice in N_INIT_CHOICES}
_WEIGHT = _Rule(_read_weight, "a number in [{:g}, {:g}]".format(*LOCATION_WEIGHT_RANGE))
_N_INIT = _Rule(lambda text: _N_INITS.get(text.strip()), "one of " + ", ".join(_N_INITS))
_SPLIT = _Rule(_read_split, "1 or 0")


def _parse_transforms(
    text: str, features: Sequence[str]
) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """(feature, transform) pairs of a link's ``feature:transform,...``, and the bad parts."""
    chosen: dict[str, str] = {}
    bad: list[str] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        feature, _, transform = part.rpartition(":")
        if feature in features and transform in TRANSFORMS:
            if transform != "none":
                chosen[feature] = transform
        else:
            bad.append(part)
    ordered = tuple((feature, chosen[feature]) for feature in features if feature in chosen)
    return ordered, bad


def _read_digest(text: str) -> str | None:
    digest = text.strip().lower()
    return digest if len(digest) == 16 and all(c in "0123456789abcdef" for c in digest) else None


def clean_name(text: str) -> str:
    """A cluster name as the settings keep it: one line, no separator, at most 60 characters."""
    words = " ".join(str(text).replace(NAME_SEPARATOR, " ").split())
    return words[:MAX_NAME_CHARS]


def read_names(text: str) -> tuple[str, ...]:
    """Cluster names from a link's ``name|name|...`` (at most 15, each cleaned)."""
    return tuple(clean_name(name) for name in text.split(NAME_SEPARATOR)[: K_RANGE[1]])


def parse_query_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    feature_names: Sequence[str] = tuple(FEATURE_CATALOGUE),
    scalers: Sequence[str] = tuple(SCALERS),
    defaults: ClusterSettings | None = None,
) -> tuple[ClusterSettings, tuple[str, ...]]:
    """Read settings from a query string, replacing every bad value by its default.

    Parameters
    ----------
    params : mapping
        Parameter name to value (or list of values for a repeated name), as
        ``{key: st.query_params.get_all(key) for key in st.query_params}`` gives.
        Unknown names are ignored.
    feature_names : sequence of str
        The features that may be chosen.
    scalers : sequence of str
        The scalers that may be chosen.
    defaults : ClusterSettings, optional
        What a missing or bad value becomes (default: the census data's defaults).

    Returns
    -------
    settings : ClusterSettings
        The valid settings (defaults where a value was missing or bad).
    notices : tuple of str
        One sentence per ignored value, naming it and what was expected.
    """
    defaults = ClusterSettings() if defaults is None else defaults
    settings = defaults
    notices: list[str] = []

    def take(field: str, rule: _Rule, used: object) -> None:
        """Set ``field`` from its parameter in the link, or say why its value is ignored."""
        nonlocal settings
        name = PARAMS[field]
        if name in params:
            raw = _last(params[name])
            value = rule.read(raw)
            if value is None:
                notices.append(
                    f"Ignored {name}={quoted(raw)} from the link: expected {rule.expected}; "
                    f"using {used}."
                )
            else:
                settings = replace(settings, **{field: value})

    take("n_clusters", _K, f"k={defaults.n_clusters}")

    if PARAMS["features"] in params:
        raw = params[PARAMS["features"]]
        values = [raw] if isinstance(raw, str) else raw
        named = [part for value in values for part in map(str.strip, str(value).split(",")) if part]
        names = tuple(dict.fromkeys(name for name in named if name in feature_names))
        unknown = [name for name in named if name not in feature_names]
        if unknown:
            shown = ", ".join(quoted(name) for name in unknown[:MAX_QUOTED_VALUES])
            if len(unknown) > MAX_QUOTED_VALUES:
                shown += f" and {len(unknown) - MAX_QUOTED_VALUES:,} more"
            notices.append(
                f"Ignored unknown feature(s) {shown} from the link: expected feature names "
                f"among {', '.join(feature_names)}."
            )
        if names:
            settings = replace(settings, features=names)
        else:
            notices.append(
                "The link chose no valid feature; using the default features "
                f"{', '.join(defaults.features)}."
            )

    take("scaler", _one_of(scalers), defaults.scaler)
    take("location_weight", _WEIGHT, defaults.location_weight)
    take("random_state", _integer_in(*SEED_RANGE), defaults.random_state)
    take("n_init", _N_INIT, defaults.n_init)
    take("split", _SPLIT, "no split")
    take("missing", _one_of(MISSING_HANDLINGS), defaults.missing)
    take("value_column", _one_of(feature_names, "a column name"), defaults.value_column)

    take("method", _one_of(tuple(METHODS)), defaults.method)
    take("fine_k", _integer_in(*FINE_K_RANGE), defaults.fine_k)
    if PARAMS["transforms"] in params:
        variables = [name for name in settings.features if name not in LOCATION_FEATURES]
        transforms, bad = _parse_transforms(_last(params[PARAMS["transforms"]]), variables)
        settings = replace(settings, transforms=transforms)
        if bad:
            shown = ", ".join(quoted(part) for part in bad[:MAX_QUOTED_VALUES])
            notices.append(
                f"Ignored transform(s) {shown} from the link: expected feature:transform with "
                "a chosen feature other than latitude and longitude (location keeps its "
                f"scaler) and a transform among {', '.join(TRANSFORMS)}."
            )
    take("model", _Rule(_read_digest, "16 hexadecimal digits"), "no model")
    if PARAMS["names"] in params:
        settings = replace(settings, names=read_names(_last(params[PARAMS["names"]])))

    if settings.scaler == "geographic" and not set(LOCATION_FEATURES) <= set(settings.features):
        notices.append(
            "The geographic scaler needs latitude and longitude among the features; "
            "using the standard scaler."
        )
        settings = replace(settings, scaler="standard")
    return settings, tuple(notices)


def to_query_params(settings: ClusterSettings) -> dict[str, str]:
    """Write settings as query-string values that :func:`parse_query_params` reads back.

    Parameters
    ----------
    settings : ClusterSettings
        The settings to share.

    Returns
    -------
    dict of str to str
        Parameter name to value; the location weight only with the geographic scaler.
    """
    values = {
        "n_clusters": str(settings.n_clusters),
        "features": ",".join(settings.features),
        "scaler": settings.scaler,
        "random_state": str(settings.random_state),
        "n_init": str(settings.n_init),
        "split": "1" if settings.split else "0",
        "missing": settings.missing,
        "value_column": settings.value_column,
    }
    if settings.scaler == "geographic":
        values["location_weight"] = f"{settings.location_weight:g}"
    if settings.transforms:
        values["transforms"] = ",".join(f"{name}:{how}" for name, how in settings.transforms)
    if settings.method != "kmeans":
        values["method"] = settings.method
    if settings.method == "levels":
        values["fine_k"] = str(settings.fine_k)
    if settings.method == "model":
        values["model"] = settings.model
    if any(settings.names):
        values["names"] = NAME_SEPARATOR.join(settings.names)
    return {PARAMS[field]: value for field, value in values.items()}


def k_from_chart_points(points: Sequence[Mapping[str, object]]) -> int | None:
    """Return the k of the first clicked point of the elbow chart, or None.

    Parameters
    ----------
    points : sequence of mapping
        ``selection["points"]`` of a Plotly chart event; each point's ``"x"`` is a k.

    Returns
    -------
    int or None
        A k in ``K_RANGE``, or None when nothing usable was clicked.
    """
    for point in points:
        value = point.get("x") if isinstance(point, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        k = _K.read(str(value))
        if k is not None:
            return int(k)
    return None
