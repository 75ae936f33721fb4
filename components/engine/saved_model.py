"""A saved k-means model: written as JSON, read back under limits, applied to new places.

Pure Python (no Streamlit). A model file holds what is needed to put new rows in the same
prepared space as the rows the model was fitted on: the features in order, each feature's
fitted transform, the scaler's fitted parameters, and the centres in that scaled space.
Each new place then gets its nearest centre and a typicality: its distance to that centre
as a percentile of the fitted places' distances to their own centres (0: as close as the
closest, 100: as far as the farthest or farther).

A model file comes from a user, so :func:`read_model` never evaluates it and checks every
field (size, nesting, numbers, shapes, names) before anything else sees it; every refusal
is one :class:`ModelFileError` whose message says what is wrong and what to do. Names in
the file (features, clusters) may hold Markdown or HTML: they are kept as text, and the
pages escape them where they show them.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json
import math
import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from components.engine.classification.profiles import MAX_NAME_LENGTH
from components.engine.classification.transforms import TRANSFORMS, FittedTransforms
from components.engine.clustering import nearest_centroids
from components.engine.csv_limits import MAX_COLUMNS, size_text
from components.engine.csv_text import shown_names
from components.engine.data import PROJECT_ROOT
from components.engine.features import missing_by_name
from components.engine.messages import Code, message
from components.engine.model import K_RANGE
from components.engine.scaling import LOCATION_WEIGHT_RANGE, SCALERS, ScaledFeatures, apply_scaler

SCHEMA_VERSION = 1
MAX_MODEL_BYTES = 1024 * 1024  # a model of 15 centres on 1,000 features is well under this
MAX_DEPTH = 10  # the format nests 3 levels deep
MAX_FEATURE_NAME_CHARS = 200
MAX_SOURCE_NAME_CHARS = 1_000
MAX_VERSION_CHARS = 40
MAX_INTEGER_DIGITS = 30
N_QUANTILES = 101  # the typicality reference: the 0%, 1%, ..., 100% quantiles
_PERCENTS = np.linspace(0.0, 100.0, N_QUANTILES)

_CHOOSE = "Choose a model file this app saved, or save the model again."
_SAVE_AGAIN = "Save the model again with this app."
_SHA256 = re.compile(r"[0-9a-f]{64}")
# A JSON string (escapes included): removed before the brackets are counted, so brackets
# inside names do not count as nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Each scaler's parameters and their lengths: one per feature, one per feature other than
# the coordinates, or a count.
_PARAMETERS: dict[str, dict[str, str | int]] = {
    "standard": {"mean": "features", "scale": "features"},
    "minmax": {"scale": "features", "min": "features"},
    "robust": {"center": "features", "scale": "features"},
    "normalize": {},
    "geographic": {
        "cos_mean_latitude": 1,
        "location_mean_km": 2,
        "location_scale_km": 1,
        "location_weight": 1,
        "other_mean": "others",
        "other_std": "others",
    },
}
_DIVISORS = ("scale", "location_scale_km", "other_std")  # must be above zero


class ModelFileError(ValueError):
    """A model file that cannot be read; the message says what is wrong and what to do."""


def _unreadable(said: str) -> ModelFileError:
    """The refusal of a file that is not a model file this app saved."""
    return ModelFileError(f"{said} {_CHOOSE}")


def _refused(said: str) -> ModelFileError:
    """The refusal of a model file whose fields are wrong: save the model again."""
    return ModelFileError(f"{said} {_SAVE_AGAIN}")


@dataclass(frozen=True)
class SavedModel:
    """A fitted k-means model, as a model file holds it.

    Attributes
    ----------
    schema_version : int
        The file format's version, :data:`SCHEMA_VERSION`.
    feature_names : tuple of str
        The features, in the order of the centres' columns.
    transforms : dict or None
        Each feature's fitted transform in
        :meth:`~components.engine.classification.transforms.FittedTransforms.to_dict` form
        (keys ``feature_names``, ``transforms``, ``lambdas``); None without transforms.
    scaler : str
        The scaler, a key of :data:`components.engine.scaling.SCALERS`.
    scaler_parameters : dict of str to tuple of float
        The fitted scaler's parameters
        (:attr:`components.engine.scaling.ScaledFeatures.scaler_parameters`).
    k : int
        Number of clusters, in [2, 15].
    centroids : tuple of tuple of float
        ``k`` centres of ``len(feature_names)`` numbers, in the scaled space; row i is
        cluster i.
    names : tuple of str
        A name per cluster (at most 60 characters each), or empty.
    source_sha256 : str
        sha256 of the data file the model was fitted on.
    source_name : str
        That file's name.
    created : str
        The day the model was saved (ISO date).
    typicality_reference : tuple of float
        The 0%, 1%, ..., 100% quantiles of the fitted rows' distances to their own centre.
    app_version : str
        The version of the app that saved it.
    """

    schema_version: int
    feature_names: tuple[str, ...]
    transforms: dict[str, list[Any]] | None
    scaler: str
    scaler_parameters: dict[str, tuple[float, ...]]
    k: int
    centroids: tuple[tuple[float, ...], ...]
    names: tuple[str, ...]
    source_sha256: str
    source_name: str
    created: str
    typicality_reference: tuple[float, ...]
    app_version: str

    @property
    def location_weight(self) -> float | None:
        """The geographic scaler's weight of the location block; None for other scalers."""
        weight = self.scaler_parameters.get("location_weight")
        return None if weight is None else weight[0]


_FIELDS = tuple(sorted(field.name for field in fields(SavedModel)))


@dataclass(frozen=True)
class AppliedModel:
    """A saved model applied to rows: each row's cluster and typicality.

    Attributes
    ----------
    labels : numpy.ndarray
        int64, one per row of the frame, in its order: the nearest centre's id, -1 for a row
        missing a feature value.
    typicality : numpy.ndarray
        float64, one per row: the distance to that centre as a percentile (0 to 100) of the
        fitted rows' distances to their own centres; NaN for a row missing a feature value.
    sizes : tuple of int
        Rows per cluster, ``k`` counts.
    message : str or None
        Plain-language account of the rows that got no cluster; None when every row got one.
    """

    labels: np.ndarray
    typicality: np.ndarray
    sizes: tuple[int, ...]
    message: str | None


@functools.cache
def app_version() -> str:
    """The app's version, as pyproject.toml states it."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(project["project"]["version"])


# ------------------------------------------------------------------------------- writing


def saved_model(
    feature_names: Sequence[str],
    scaled: ScaledFeatures,
    labels: np.ndarray,
    centroids: np.ndarray,
    *,
    names: Sequence[str] = (),
    source_name: str,
    source_sha256: str,
) -> SavedModel:
    """The model of one k: the features' preparation, the scaler and the centres.

    Parameters
    ----------
    feature_names : sequence of str
        The features, in the columns' order (``FeatureMatrix.feature_names``).
    scaled : ScaledFeatures
        The scaled rows the model was fitted on (its ``train``), with the fitted transforms
        and scaler parameters.
    labels : numpy.ndarray
        Each ``scaled.train`` row's cluster id at k (``SweepFits.labels_for(k)``).
    centroids : numpy.ndarray
        Shape ``(k, n_features)``, in the scaled space (``SweepFits.centroids_for(k)``).
    names : sequence of str
        A name per cluster, or none.
    source_name, source_sha256 : str
        The data file's name and the sha256 of its bytes (64 hex digits); the model
        records today as the day it was saved.

    Returns
    -------
    SavedModel
        The model, ready for :func:`model_json`.

    Raises
    ------
    ValueError
        When the pieces do not fit together (feature count, labels, centres' shape, k out of
        [2, 15]), on a centre that is not finite, a name longer than allowed, or a sha256 that
        is not 64 hex digits.
    """
    features = tuple(feature_names)
    train = np.asarray(scaled.train, dtype=np.float64)
    centres = np.asarray(centroids, dtype=np.float64)
    ids = np.asarray(labels)
    low, high = K_RANGE
    if train.ndim != 2 or train.shape[1] != len(features):
        raise ValueError(
            f"scaled.train has shape {train.shape}; expected {len(features)} columns, one per "
            "feature name."
        )
    shape_ok = centres.ndim == 2 and centres.shape[1] == len(features)
    if not shape_ok or not low <= len(centres) <= high or not np.isfinite(centres).all():
        raise ValueError(
            f"centroids has shape {centres.shape}; expected (k, {len(features)}) finite numbers "
            f"with k in [{low}, {high}]."
        )
    k = len(centres)
    if ids.shape != (len(train),) or ids.min(initial=0) < 0 or ids.max(initial=0) >= k:
        raise ValueError(
            f"labels has shape {ids.shape} and values from {ids.min(initial=0)} to "
            f"{ids.max(initial=0)}; expected one id in [0, {k - 1}] per row of scaled.train."
        )
    distances = np.linalg.norm(train - centres[ids], axis=1)
    model = SavedModel(
        schema_version=SCHEMA_VERSION,
        feature_names=features,
        transforms=None if scaled.transforms is None else scaled.transforms.to_dict(),
        scaler=scaled.scaler,
        scaler_parameters={
            name: tuple(map(float, values)) for name, values in scaled.scaler_parameters.items()
        },
        k=k,
        centroids=tuple(tuple(map(float, row)) for row in centres),
        names=tuple(names),
        source_sha256=source_sha256,
        source_name=source_name,
        created=datetime.date.today().isoformat(),
        typicality_reference=tuple(map(float, np.quantile(distances, _PERCENTS / 100))),
        app_version=app_version(),
    )
    try:  # what is saved must read back: the file's checks hold for it
        read_model(model_json(model))
    except ModelFileError as error:
        raise ValueError(str(error)) from None
    return model


def model_json(model: SavedModel) -> bytes:
    """The model file's bytes: compact UTF-8 JSON, keys sorted, every number finite.

    Parameters
    ----------
    model : SavedModel
        From :func:`saved_model` or :func:`read_model`.

    Returns
    -------
    bytes
        The same model gives the same bytes; :func:`read_model` reads them back.

    Raises
    ------
    ValueError
        When the file would be larger than :data:`MAX_MODEL_BYTES`.
    """
    data = {name: getattr(model, name) for name in _FIELDS}
    encoded = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
    if len(encoded) > MAX_MODEL_BYTES:
        raise ValueError(
            f"The model file would be {size_text(len(encoded))}; at most "
            f"{size_text(MAX_MODEL_BYTES)} can be read back. Choose fewer features."
        )
    return encoded


# ------------------------------------------------------------------------------- reading


def read_model(raw: bytes) -> SavedModel:
    """Read a model file under limits, never evaluating it.

    Parameters
    ----------
    raw : bytes
        The file's bytes, at most :data:`MAX_MODEL_BYTES`.

    Returns
    -------
    SavedModel
        The model, every field checked.

    Raises
    ------
    ModelFileError
        When the file is too large, not UTF-8 JSON text, nested deeper than
        :data:`MAX_DEPTH`, of another schema version, holds a number that is not finite,
        or a field of the wrong kind or shape; the message says what to do.
    """
    if len(raw) > MAX_MODEL_BYTES:
        raise _unreadable(
            f"The model file is {size_text(len(raw))} ({len(raw):,} bytes); a model file is at "
            f"most {size_text(MAX_MODEL_BYTES)} ({MAX_MODEL_BYTES:,} bytes)."
        )
    if not raw.strip():
        raise _unreadable("The model file is empty.")
    text = _text_of(raw)
    depth = _depth(raw)
    if depth > MAX_DEPTH:
        raise _unreadable(
            f"The file nests lists and objects {depth:,} levels deep; a model file nests at "
            f"most {MAX_DEPTH}."
        )
    try:
        data = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_bounded_integer,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        raise _unreadable(
            f"The file is not a model file: it is not JSON text "
            f"({error.msg.lower().removesuffix(' at')} at line {error.lineno:,}, column "
            f"{error.colno:,})."
        ) from None
    if not isinstance(data, dict):
        raise _unreadable(
            f"The file holds {_kind(data)}, not a model: a model file is one JSON object, as "
            f"this app saves it."
        )
    return _model_from_dict(data)


def _text_of(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        width = "UTF-32" if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "UTF-16"
        raise _unreadable(
            f"The file is saved as {width} text; a model file is UTF-8 text, as this app saves it."
        )
    if b"\x00" in raw:
        raise _unreadable(
            "The file is not a model file: it holds zero bytes, which UTF-8 text never does "
            "(it may be saved as UTF-16 text)."
        )
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable("The file is not a model file: it is not UTF-8 text.") from None


def _depth(raw: bytes) -> int:
    """The deepest nesting of lists and objects, counted on the text before parsing."""
    codes = np.frombuffer(_JSON_STRING.sub(b"", raw), dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int64)
    steps -= np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def _refuse_constant(token: str) -> float:
    raise ModelFileError(
        message(
            "The model file holds ",
            Code(token),
            ", which is not a finite number; every number of a model is finite. ",
            _SAVE_AGAIN,
        )
    )


def _bounded_integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _unreadable(
            f"The model file holds a whole number of {len(digits.lstrip('-')):,} digits; a model "
            f"file's numbers have at most {MAX_INTEGER_DIGITS}."
        )
    return int(digits)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _unreadable(f"The model file names {_shown(key)} twice in one object.")
        result[key] = value
    return result


def _shown(text: str, limit: int = 60) -> str:
    """A text from the file, quoted, cut at ``limit`` characters (its length said)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _kind(value: object) -> str:
    """What a JSON value is, in words (a text or a number quoted, cut short)."""
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {_shown(value)}"
    if isinstance(value, list):
        return f"a list of {len(value):,} item(s)"
    return "an object"


def _wrong(where: str, value: object, expected: str) -> ModelFileError:
    return _refused(f"The model file holds {_kind(value)} as its {where}; expected {expected}.")


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(where, value, "a number")
    number = float(value)
    if not math.isfinite(number):
        raise _refused(
            f"The model file holds a number too large to be finite as its {where}; every "
            f"number of a model is finite."
        )
    return number


def _numbers(value: object, where: str, length: int) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != length:
        raise _wrong(where, value, f"a list of {length:,} number(s)")
    return tuple(_number(item, f"{where}, item {index + 1}") for index, item in enumerate(value))


def _text(value: object, where: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise _wrong(where, value, "a text")
    if len(value) > max_chars:
        raise _refused(
            f"The model file holds a text of {len(value):,} characters as its {where}; at most "
            f"{max_chars:,} are accepted."
        )
    return value


def _texts(value: object, where: str, max_chars: int, max_items: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > max_items:
        raise _wrong(where, value, f"a list of at most {max_items:,} texts")
    return tuple(
        _text(item, f"{where}, item {index + 1}", max_chars) for index, item in enumerate(value)
    )


def _model_from_dict(data: dict[str, Any]) -> SavedModel:
    """Check every field of a parsed model file and build the model."""
    if "schema_version" not in data:
        raise _unreadable("The file is not a model saved by this app: it has no schema version.")
    version = data["schema_version"]
    if type(version) is not int or version != SCHEMA_VERSION:  # bool and float are not
        shown = version if type(version) in (int, float) else _kind(version)
        raise _refused(
            f"This model file has schema version {shown}; this app reads version {SCHEMA_VERSION}."
        )
    missing = [name for name in _FIELDS if name not in data]
    if missing:
        raise _refused(f"The model file lacks the field(s) {', '.join(missing)}.")
    unexpected = [_shown(name) for name in data if name not in _FIELDS]
    if unexpected:
        listed = shown_names(unexpected, 5, f" and {len(unexpected) - 5:,} more")
        raise _refused(f"The model file has field(s) this app does not know: {listed}.")

    features = _texts(data["feature_names"], "feature names", MAX_FEATURE_NAME_CHARS, MAX_COLUMNS)
    repeated = [name for name, count in Counter(features).items() if count > 1]
    if not features or "" in features or repeated:
        said = (
            f"repeat {', '.join(map(_shown, repeated[:5]))}" if repeated else "hold an empty name"
        )
        raise _refused(
            f"The model file's feature names {said if features else 'are none'}; a model has "
            f"at least one feature, each named once."
        )
    k = data["k"]
    low, high = K_RANGE
    if type(k) is not int or not low <= k <= high:
        raise _wrong("k (the number of clusters)", k, f"a whole number from {low} to {high}")
    centroids = _centroids(data["centroids"], k, len(features))
    names = _texts(data["names"], "cluster names", MAX_NAME_LENGTH, high)
    if len(names) not in (0, k):
        raise _refused(
            f"The model file names {len(names)} clusters, but its k is {k}; expected a name "
            f"per cluster or none."
        )
    scaler = _text(data["scaler"], "scaler", MAX_FEATURE_NAME_CHARS)
    if scaler not in SCALERS:
        raise _refused(
            f"The model file uses the scaler {_shown(scaler)}, which this app does not know "
            f"(it knows {', '.join(SCALERS)})."
        )
    sha256 = _text(data["source_sha256"], "data file's sha256", 64)
    if _SHA256.fullmatch(sha256) is None:
        raise _wrong("data file's sha256", sha256, "64 hex digits")
    created = _text(data["created"], "date", MAX_VERSION_CHARS)
    try:
        datetime.date.fromisoformat(created)
    except ValueError:
        raise _wrong("date", created, "a date such as 2024-05-31") from None
    reference = _numbers(data["typicality_reference"], "typicality reference", N_QUANTILES)
    if reference[0] < 0 or any(b < a for a, b in itertools.pairwise(reference)):
        raise _refused("The model file's typicality reference is not a rising list of distances. ")
    return SavedModel(
        schema_version=SCHEMA_VERSION,
        feature_names=features,
        transforms=_transforms(data["transforms"], features),
        scaler=scaler,
        scaler_parameters=_scaler_parameters(data["scaler_parameters"], scaler, features),
        k=k,
        centroids=centroids,
        names=names,
        source_sha256=sha256,
        source_name=_text(data["source_name"], "data file's name", MAX_SOURCE_NAME_CHARS),
        created=created,
        typicality_reference=reference,
        app_version=_text(data["app_version"], "app version", MAX_VERSION_CHARS),
    )


def _centroids(value: object, k: int, n_features: int) -> tuple[tuple[float, ...], ...]:
    shape = f"{k} rows (one per cluster) of {n_features} number(s) (one per feature)"
    if not isinstance(value, list) or len(value) != k:
        raise _wrong("centroids", value, shape)
    for index, row in enumerate(value):
        if not isinstance(row, list) or len(row) != n_features:
            where, expected = f"centroids' row {index + 1}", f"{n_features} number(s)"
            raise _wrong(where, row, f"{expected}; the centroids are {shape}")
    return tuple(
        _numbers(row, f"centroids' row {index + 1}", n_features) for index, row in enumerate(value)
    )


def _scaler_parameters(
    value: object, scaler: str, features: tuple[str, ...]
) -> dict[str, tuple[float, ...]]:
    expected = _PARAMETERS[scaler]
    if not isinstance(value, dict) or set(value) != set(expected):
        listed = ", ".join(expected) or "none"
        raise _wrong(
            f"{scaler} scaler's parameters", value, f"an object of the parameters {listed}"
        )
    if scaler == "geographic" and not {"latitude", "longitude"} <= set(features):
        raise _refused(
            "The model file uses the geographic scaler, but its features lack latitude or "
            "longitude."
        )
    lengths = {"features": len(features), "others": len(features) - 2}
    parameters = {}
    for name, length in expected.items():
        where = f"{scaler} scaler's parameter {name}"
        numbers = _numbers(
            value[name], where, lengths[length] if isinstance(length, str) else length
        )
        if name in _DIVISORS and min(numbers, default=1.0) <= 0:
            raise _refused(f"The model file's {where} holds a value at or below zero.")
        parameters[name] = numbers
    weight = parameters.get("location_weight", (1.0,))[0]
    if not LOCATION_WEIGHT_RANGE[0] <= weight <= LOCATION_WEIGHT_RANGE[1]:
        raise _wrong("location weight", weight, f"a number in {list(LOCATION_WEIGHT_RANGE)}")
    return parameters


def _transforms(value: object, features: tuple[str, ...]) -> dict[str, list[Any]] | None:
    if value is None:
        return None
    keys = {"feature_names", "transforms", "lambdas"}
    if not isinstance(value, dict) or set(value) != keys:
        raise _wrong(
            "transforms", value, "null or an object of feature_names, transforms and lambdas"
        )
    names = _texts(
        value["feature_names"], "transforms' feature names", MAX_FEATURE_NAME_CHARS, MAX_COLUMNS
    )
    if names != features:
        raise _refused("The model file's transforms name other features than the model has.")
    chosen = _texts(value["transforms"], "transforms", MAX_FEATURE_NAME_CHARS, len(features))
    unknown = [name for name in chosen if name not in TRANSFORMS]
    if len(chosen) != len(features) or unknown:
        raise _refused(
            f"The model file's transforms are {', '.join(map(_shown, chosen[:5]))}; expected "
            f"one of {', '.join(TRANSFORMS)} per feature."
        )
    lambdas = value["lambdas"]
    if not isinstance(lambdas, list) or len(lambdas) != len(features):
        raise _wrong(
            "transforms' lambdas", lambdas, f"a list of {len(features):,} numbers or nulls"
        )
    checked: list[float | None] = []
    for feature, transform, lambda_ in zip(features, chosen, lambdas, strict=True):
        where = f"Yeo-Johnson lambda of {_shown(feature)}"
        if transform != "yeo-johnson" and lambda_ is not None:
            raise _wrong(where, lambda_, "null (the feature's transform has no lambda)")
        checked.append(_number(lambda_, where) if transform == "yeo-johnson" else None)
    return {"feature_names": list(names), "transforms": list(chosen), "lambdas": checked}


# ------------------------------------------------------------------------------ applying


def apply_model(model: SavedModel, frame: pd.DataFrame) -> AppliedModel:
    """Give every row its nearest centre and typicality, prepared as the model's rows were.

    Parameters
    ----------
    model : SavedModel
        From :func:`read_model` or :func:`saved_model`.
    frame : pandas.DataFrame
        The new places, a column per model feature under the feature's name.

    Returns
    -------
    AppliedModel
        Labels (-1 for a row missing a feature value), typicality (NaN there), the rows per
        cluster, and what became of the rows missing a value.

    Raises
    ------
    ValueError
        When a model feature is not a column of the frame (it is named, with the model's
        features), a feature column holds text, or a transform of the model cannot apply to
        the new values (log(1 + x) of a value at or below -1, or a value so large it
        overflows).
    """
    features = list(model.feature_names)
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise ValueError(
            f"The data has no column {', '.join(map(_shown, absent))}, which the model "
            f"uses. The model's features are {', '.join(map(_shown, features))}; "
            "choose data with these columns."
        )
    for name in features:
        if frame.columns.tolist().count(name) > 1:
            raise ValueError(f"The data has two columns named {_shown(name)}; rename one.")
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise ValueError(
                f"Column {_shown(name)} holds text, but the model uses it as a number; "
                "choose data whose column holds numbers."
            )
    values = frame.loc[:, features].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    complete = np.isfinite(values).all(axis=1)
    labels = np.full(len(frame), -1, dtype=np.int64)
    typicality = np.full(len(frame), np.nan)
    if complete.any():
        prepared = values[complete]
        # An overflow is found and named below; numpy's warning would say it in its own words.
        with np.errstate(over="ignore", invalid="ignore"):
            if model.transforms is not None:
                prepared = _transformed(model.transforms, prepared)
            scaled = apply_scaler(prepared, features, model.scaler, model.scaler_parameters)
        overflowing = np.flatnonzero(~np.isfinite(scaled).all(axis=0))
        if overflowing.size:
            raise ValueError(
                f"Column(s) {', '.join(_shown(features[index]) for index in overflowing)} hold "
                "values too large to be transformed and scaled as the model does (they overflow); "
                "correct those values or choose other data."
            )
        centres = np.asarray(model.centroids, dtype=np.float64)
        nearest, _ = nearest_centroids(scaled, centres)
        distances = np.linalg.norm(scaled - centres[nearest], axis=1)
        labels[complete] = nearest
        typicality[complete] = np.interp(distances, model.typicality_reference, _PERCENTS)
    n_missing = int((~complete).sum())
    said = None
    if n_missing:
        _, detail = missing_by_name(features, values)
        said = (
            f"{n_missing:,} of {len(frame):,} places have no value for a feature of the model "
            f"({detail}); they get no cluster and are shown as 'not clustered'."
        )
    return AppliedModel(
        labels=labels,
        typicality=typicality,
        sizes=tuple(int(size) for size in np.bincount(labels[complete], minlength=model.k)),
        message=said,
    )


def _transformed(transforms: Mapping[str, Any], values: np.ndarray) -> np.ndarray:
    """The model's transforms applied to complete rows, or a ValueError naming the column."""
    fitted = FittedTransforms.from_dict(transforms)
    lowest = values.min(axis=0)
    below = np.flatnonzero((np.array(fitted.transforms) == "log1p") & (lowest <= -1.0))
    if below.size:
        raise ValueError(
            f"Column {_shown(fitted.feature_names[below[0]])} has values at or below -1 (the "
            f"lowest is {lowest[below[0]]:g}), where the model's transform log(1 + x) is not "
            "defined; the model cannot place these rows. Correct the column's values or choose "
            "other data."
        )
    # transform() checks log(1 + x) too, with advice on choosing a transform; the check
    # above comes first to say what to do with the data.
    return fitted.transform(values)
