"""Hostile model files: what a user could upload as a saved model, and what they must be told.

Each case is a file and the message :func:`components.engine.saved_model.read_model` must
give (a substring, as plain text), or "" for a file that must be read. The files are built
from one good toy model (four places, k = 2), changed one field at a time, so each case
fails for its own reason. ``tests/hostile/test_model_files.py`` runs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from components.engine.saved_model import SavedModel, model_json, saved_model
from components.engine.scaling import scale_features

TOY_VALUES = np.array(
    [[45.19, 5.72, 3.2], [45.57, 5.92, 2.9], [45.90, 6.13, 4.1], [45.20, 5.70, 3.0]]
)
TOY_FEATURES = ("latitude", "longitude", "price")
HOSTILE_FEATURE_NAMES = ("[link](http://example.com/phish)", "<script>alert(1)</script>", "**b**")
HOSTILE_CLUSTER_NAMES = ("<img src=x onerror=alert(1)>", "[click](http://x) @@=this $x$")
LONG_KEY = "x" * 19_990 + "END-OF-VALUE"


def toy_model(
    feature_names: tuple[str, ...] = TOY_FEATURES,
    scaler: str = "standard",
    transforms: dict[str, str] | None = None,
    names: tuple[str, ...] = (),
) -> SavedModel:
    """A model of the four toy places at k = 2: the two northern ones and the two southern."""
    scaled = scale_features(TOY_VALUES, feature_names, scaler, transforms=transforms)
    labels = np.array([1, 0, 0, 1])
    centroids = np.array([scaled.train[labels == cluster].mean(axis=0) for cluster in (0, 1)])
    return saved_model(
        feature_names,
        scaled,
        labels,
        centroids,
        names=names,
        source_name="places.csv",
        source_sha256="0" * 64,
    )


_REMOVE = object()  # a change that removes the field


def toy_fields(**changes: Any) -> dict[str, Any]:
    """The good toy model's JSON fields with some replaced or removed."""
    fields = json.loads(model_json(toy_model()))
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not _REMOVE}


def _with(**changes: Any) -> Callable[[], bytes]:
    """The good model's file with some fields replaced; NaN and infinities written as tokens."""
    return lambda: json.dumps(toy_fields(**changes)).encode()


def _text(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def _good_json() -> str:
    return model_json(toy_model()).decode()


@dataclass(frozen=True)
class ModelFileCase:
    """A model file and what reading it must say.

    Attributes
    ----------
    id : str
        The case's name (the test id).
    make : callable
        Builds the file's bytes.
    expect : str
        A substring of the message, as plain text; "" for a file that must be read.
    absent : str
        Text the message must not hold ("" for none): e.g. the part of a long value cut off.
    """

    id: str
    make: Callable[[], bytes]
    expect: str
    absent: str = ""

    @property
    def refused(self) -> bool:
        """True when the file must be refused."""
        return bool(self.expect)


_SCALE = [1.0, 1.0, 1.0]
MODEL_FILES: tuple[ModelFileCase, ...] = (
    # The bytes: size, encoding, nesting, not JSON.
    ModelFileCase("empty", _text(""), "The model file is empty"),
    ModelFileCase(
        "over-1-mb",
        lambda: _good_json().encode() + b" " * (2 * 1024 * 1024 - len(_good_json())),
        "The model file is 2.0 MB (2,097,152 bytes); a model file is at most 1.0 MB",
    ),
    ModelFileCase(
        "nesting-10000",
        _text("[" * 10_000 + "]" * 10_000),
        "The file nests lists and objects 10,000 levels deep; a model file nests at most 10",
    ),
    ModelFileCase("nesting-100000-open", _text('{"a":' + "[" * 100_000), "100,001 levels deep"),
    ModelFileCase("nesting-11", _text("[" * 11 + "]" * 11), "11 levels deep"),
    ModelFileCase(
        "utf-16", lambda: _good_json().encode("utf-16"), "The file is saved as UTF-16 text"
    ),
    ModelFileCase(
        "utf-16-no-marker",
        lambda: _good_json().encode("utf-16-le"),
        "it holds zero bytes, which UTF-8 text never does",
    ),
    ModelFileCase(
        "utf-32", lambda: _good_json().encode("utf-32"), "The file is saved as UTF-32 text"
    ),
    ModelFileCase("latin-1", lambda: b'{"source_name": "Caf\xe9"}', "it is not UTF-8 text"),
    ModelFileCase("png", lambda: b"\x89PNG\r\n\x1a\n\xff\xfe", "it is not UTF-8 text"),
    ModelFileCase(
        "csv",
        _text("name,latitude,longitude\nA,45.19,5.72\n"),
        "The file is not a model file: it is not JSON text (expecting value at line 1, column 1)",
    ),
    ModelFileCase("cut-short", lambda: _good_json()[:-40].encode(), "it is not JSON text"),
    ModelFileCase(
        "list", _text("[1, 2]"), "The file holds a list of 2 item(s), not a model: a model file"
    ),
    ModelFileCase("text", _text('"model"'), "The file holds the text 'model', not a model"),
    ModelFileCase("null", _text("null"), "The file holds null (no value), not a model"),
    ModelFileCase(
        "duplicate-field",
        lambda: _good_json().replace('"k":2', '"k":2,"k":3').encode(),
        "The model file names 'k' twice in one object",
    ),
    ModelFileCase(
        "huge-integer",
        lambda: _good_json().replace('"k":2', '"k":' + "9" * 5_000).encode(),
        "a whole number of 5,000 digits; a model file's numbers have at most 30",
    ),
    # The schema.
    ModelFileCase(
        "schema-7",
        _with(schema_version=7),
        "This model file has schema version 7; this app reads version 1. Save the model "
        "again with this app.",
    ),
    ModelFileCase(
        "schema-text", _with(schema_version="1"), "This model file has schema version the text"
    ),
    ModelFileCase("schema-float", _with(schema_version=1.5), "has schema version 1.5;"),
    ModelFileCase(
        "no-schema", _with(schema_version=_REMOVE), "not a model saved by this app: it has no"
    ),
    ModelFileCase(
        "missing-field", _with(centroids=_REMOVE), "The model file lacks the field(s) centroids"
    ),
    ModelFileCase(
        "unknown-field",
        _with(**{"<script>alert(1)</script>": 1}),
        "field(s) this app does not know: '<script>alert(1)</script>'",
    ),
    ModelFileCase(
        "unknown-field-20kb",
        _with(**{LONG_KEY: 1}),
        "does not know: '" + "x" * 60 + "'… (20,002 characters)",
        absent="END-OF-VALUE",
    ),
    # Numbers that are not finite.
    ModelFileCase(
        "nan-centroid",
        _with(centroids=[[float("nan"), 0.0, 0.0], [1.0, 1.0, 1.0]]),
        "The model file holds NaN, which is not a finite number",
    ),
    ModelFileCase(
        "infinity-centroid",
        _with(centroids=[[float("inf"), 0.0, 0.0], [1.0, 1.0, 1.0]]),
        "The model file holds Infinity, which is not a finite number",
    ),
    ModelFileCase(
        "minus-infinity-scale",
        _with(scaler_parameters={"mean": [0.0] * 3, "scale": [1.0, float("-inf"), 1.0]}),
        "The model file holds -Infinity",
    ),
    ModelFileCase(
        "overflowing-number",
        lambda: _with(centroids=[[1234.5, 0.0, 0.0], _SCALE])().replace(b"1234.5", b"1e999"),
        "holds a number too large to be finite as its centroids' row 1, item 1",
    ),
    # Shapes.
    ModelFileCase(
        "centroids-3-rows",
        _with(centroids=[[0.0] * 3] * 3),
        "holds a list of 3 item(s) as its centroids; expected 2 rows (one per cluster) of 3 "
        "number(s) (one per feature)",
    ),
    ModelFileCase(
        "centroid-row-short",
        _with(centroids=[[0.0] * 3, [0.0] * 2]),
        "holds a list of 2 item(s) as its centroids' row 2; expected 3 number(s)",
    ),
    ModelFileCase(
        "centroid-text",
        _with(centroids=[[0.0, "1", 0.0], [0.0] * 3]),
        "holds the text '1' as its centroids' row 1, item 2; expected a number",
    ),
    ModelFileCase(
        "k-99",
        _with(k=99),
        "holds the number 99 as its k (the number of clusters); expected a whole number from 2 "
        "to 15",
    ),
    ModelFileCase("k-true", _with(k=True), "holds true as its k"),
    ModelFileCase(
        "parameters-short",
        _with(scaler_parameters={"mean": [0.0] * 2, "scale": _SCALE}),
        "as its standard scaler's parameter mean; expected a list of 3 number(s)",
    ),
    ModelFileCase(
        "parameters-of-another-scaler",
        _with(scaler_parameters={"center": [0.0] * 3, "scale": _SCALE}),
        "as its standard scaler's parameters; expected an object of the parameters mean, scale",
    ),
    ModelFileCase(
        "scale-zero",
        _with(scaler_parameters={"mean": [0.0] * 3, "scale": [1.0, 0.0, 1.0]}),
        "The model file's standard scaler's parameter scale holds a value at or below zero",
    ),
    ModelFileCase(
        "typicality-falling",
        _with(typicality_reference=[1.0 - i / 100 for i in range(101)]),
        "typicality reference is not a rising list of distances",
    ),
    ModelFileCase(
        "typicality-short",
        _with(typicality_reference=[0.0, 1.0]),
        "as its typicality reference; expected a list of 101 number(s)",
    ),
    # Names, scaler, transforms and the record of the source.
    ModelFileCase(
        "cluster-name-61",
        _with(names=["a" * 61, "b"]),
        "holds a text of 61 characters as its cluster names, item 1; at most 60 are accepted",
    ),
    ModelFileCase(
        "cluster-names-3",
        _with(names=["a", "b", "c"]),
        "The model file names 3 clusters, but its k is 2",
    ),
    ModelFileCase(
        "feature-name-201",
        _with(feature_names=["y" * 201, "longitude", "price"]),
        "holds a text of 201 characters as its feature names, item 1; at most 200",
    ),
    ModelFileCase(
        "feature-names-repeated",
        _with(feature_names=["price", "longitude", "price"]),
        "The model file's feature names repeat 'price'",
    ),
    ModelFileCase(
        "scaler-unknown",
        _with(scaler="quantum"),
        "uses the scaler 'quantum', which this app does not know (it knows standard, minmax",
    ),
    ModelFileCase(
        "geographic-without-location",
        _with(
            feature_names=["a", "b", "price"],
            scaler="geographic",
            scaler_parameters={
                "cos_mean_latitude": [0.7],
                "location_mean_km": [5000.0, 400.0],
                "location_scale_km": [20.0],
                "location_weight": [1.0],
                "other_mean": [3.0],
                "other_std": [1.0],
            },
            transforms=None,
        ),
        "uses the geographic scaler, but its features lack latitude or longitude",
    ),
    ModelFileCase(
        "transform-unknown",
        _with(
            transforms={
                "feature_names": list(TOY_FEATURES),
                "transforms": ["none", "none", "square"],
                "lambdas": [None] * 3,
            }
        ),
        "The model file's transforms are 'none', 'none', 'square'; expected one of none, log1p",
    ),
    ModelFileCase(
        "yeo-johnson-without-lambda",
        _with(
            transforms={
                "feature_names": list(TOY_FEATURES),
                "transforms": ["none", "none", "yeo-johnson"],
                "lambdas": [None] * 3,
            }
        ),
        "holds null (no value) as its Yeo-Johnson lambda of 'price'; expected a number",
    ),
    ModelFileCase(
        "transforms-of-other-features",
        _with(
            transforms={
                "feature_names": ["a", "b", "c"],
                "transforms": ["none"] * 3,
                "lambdas": [None] * 3,
            }
        ),
        "transforms name other features than the model has",
    ),
    ModelFileCase(
        "sha256-not-hex", _with(source_sha256="z" * 64), "as its data file's sha256; expected 64"
    ),
    ModelFileCase(
        "date-words", _with(created="yesterday"), "holds the text 'yesterday' as its date"
    ),
    # Read: names are text, whatever they hold.
    ModelFileCase(
        "hostile-feature-names",
        lambda: model_json(toy_model(feature_names=HOSTILE_FEATURE_NAMES)),
        "",
    ),
    ModelFileCase(
        "hostile-cluster-names",
        lambda: model_json(toy_model(names=HOSTILE_CLUSTER_NAMES)),
        "",
    ),
    ModelFileCase(
        "brackets-and-quotes-in-names",
        lambda: model_json(toy_model(names=('[[[[[[[[[[[["\\', "{{{{{{{{{{{{]]]]"))),
        "",
    ),
    ModelFileCase("byte-order-mark", lambda: b"\xef\xbb\xbf" + model_json(toy_model()), ""),
    ModelFileCase(
        "geographic-with-transforms",
        lambda: model_json(toy_model(scaler="geographic", transforms={"price": "yeo-johnson"})),
        "",
    ),
)
