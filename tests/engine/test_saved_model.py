"""A saved model: the scaler's kept parameters, the JSON round trip, and applying it to rows.

The hostile model files (size, nesting, numbers, shapes, encodings) are in the catalogue,
``tests/hostile/model_files.py``, and run by ``tests/hostile/test_model_files.py``.
"""

from __future__ import annotations

import json
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from components.engine import model
from components.engine.data import PROJECT_ROOT
from components.engine.features import DEFAULT_FEATURES, prepare_features
from components.engine.saved_model import (
    MAX_DEPTH,
    SCHEMA_VERSION,
    ModelFileError,
    SavedModel,
    app_version,
    apply_model,
    model_json,
    read_model,
    saved_model,
)
from components.engine.scaling import SCALERS, apply_scaler, scale_features
from tests.hostile.catalogue import jargon
from tests.hostile.model_files import HOSTILE_FEATURE_NAMES, TOY_FEATURES, TOY_VALUES, toy_model
from tests.reference_data import housing_csv

NAMES = ("latitude", "longitude", "median_house_value", "population")


def _values(n_rows: int = 60) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack(
        [
            rng.uniform(33, 41, n_rows),
            rng.uniform(-124, -115, n_rows),
            rng.uniform(1e5, 5e5, n_rows),
            rng.lognormal(7, 1, n_rows),
        ]
    )


# ------------------------------------------------------------ the scaler's kept parameters


def test_scale_features_keeps_the_fitted_parameters_of_scikit_learns_scalers() -> None:
    values = _values()
    standard = StandardScaler().fit(values)
    minmax = MinMaxScaler().fit(values)
    robust = RobustScaler().fit(values)
    expected = {
        "standard": {"mean": standard.mean_, "scale": standard.scale_},
        "minmax": {"scale": minmax.scale_, "min": minmax.min_},
        "robust": {"center": robust.center_, "scale": robust.scale_},
        "normalize": {},
    }
    for scaler, parameters in expected.items():
        kept = scale_features(values, NAMES, scaler).scaler_parameters
        assert set(kept) == set(parameters)
        for name, fitted in parameters.items():
            np.testing.assert_array_equal(kept[name], fitted)


def test_the_geographic_parameters_are_its_projection_and_weight() -> None:
    values = _values()
    kept = scale_features(values, NAMES, "geographic", location_weight=2.5).scaler_parameters
    assert kept["location_weight"] == [2.5]
    assert kept["cos_mean_latitude"] == pytest.approx([np.cos(np.radians(values[:, 0].mean()))])
    np.testing.assert_allclose(kept["other_mean"], values[:, 2:].mean(axis=0))
    np.testing.assert_allclose(kept["other_std"], values[:, 2:].std(axis=0))
    assert len(kept["location_mean_km"]) == 2 and kept["location_scale_km"][0] > 0


@pytest.mark.parametrize("scaler", list(SCALERS))
def test_apply_scaler_scales_held_out_rows_bit_for_bit_as_scale_features(scaler: str) -> None:
    values = _values()
    transforms = {"population": "log1p", "median_house_value": "yeo-johnson"}
    scaled = scale_features(
        values, NAMES, scaler, location_weight=3.0, test_size=0.3, transforms=transforms
    )
    assert scaled.transforms is not None and scaled.test is not None
    for rows, expected in ((scaled.train_rows, scaled.train), (scaled.test_rows, scaled.test)):
        prepared = scaled.transforms.transform(values[rows])
        again = apply_scaler(prepared, NAMES, scaler, scaled.scaler_parameters)
        np.testing.assert_array_equal(again, expected)


def test_apply_scaler_refuses_an_unknown_scaler_and_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match="scaler='quantum' is not one of"):
        apply_scaler(_values(), NAMES, "quantum", {})
    with pytest.raises(ValueError, match=r"expected \(n_rows, 3\)"):
        apply_scaler(_values(), NAMES[:3], "normalize", {})
    with pytest.raises(ValueError, match="needs both latitude and longitude"):
        apply_scaler(_values(), ["a", "b", "c", "d"], "geographic", {})


# ------------------------------------------------------------------------ the JSON file


def test_a_model_round_trips_through_its_file_exactly() -> None:
    fitted = toy_model(scaler="geographic", transforms={"price": "yeo-johnson"}, names=("N", ""))
    raw = model_json(fitted)
    assert read_model(raw) == fitted
    assert model_json(read_model(raw)) == raw  # the same model gives the same bytes
    fields = json.loads(raw)
    assert list(fields) == sorted(fields) and b", " not in raw and b": " not in raw
    assert fields["schema_version"] == SCHEMA_VERSION == 1
    assert fields["transforms"]["lambdas"][:2] == [None, None]  # no lambda: null, never NaN
    assert len(fields["typicality_reference"]) == 101
    assert fitted.location_weight == 1.0 and toy_model().location_weight is None


def test_markup_in_names_round_trips_as_text() -> None:
    fitted = toy_model(feature_names=HOSTILE_FEATURE_NAMES, names=("**a**", "<b>b</b>"))
    back = read_model(model_json(fitted))
    assert back.feature_names == HOSTILE_FEATURE_NAMES and back.names == ("**a**", "<b>b</b>")


def test_the_depth_check_spares_the_parser_its_recursion() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)  # what read_model would meet without counting the brackets first
    with pytest.raises(ModelFileError, match="100,000 levels deep"):
        read_model(deep.encode())
    assert MAX_DEPTH == 10


def test_saved_model_refuses_pieces_that_do_not_fit() -> None:
    scaled = scale_features(TOY_VALUES, TOY_FEATURES, "standard")
    labels = np.array([1, 0, 0, 1])
    centres = np.zeros((2, 3))

    def save(**changes: object) -> SavedModel:
        arguments: dict = {
            "feature_names": TOY_FEATURES,
            "scaled": scaled,
            "labels": labels,
            "centroids": centres,
            "source_name": "places.csv",
            "source_sha256": "0" * 64,
        }
        return saved_model(**(arguments | changes))

    assert save().k == 2
    with pytest.raises(ValueError, match=r"centroids has shape \(2, 2\)"):
        save(centroids=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"with k in \[2, 15\]"):
        save(centroids=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="finite numbers"):
        save(centroids=np.array([[0.0, 0.0, np.nan], [1.0, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="expected one id in"):
        save(labels=np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match=r"has shape \(4, 3\); expected 2 columns"):
        save(feature_names=TOY_FEATURES[:2])
    with pytest.raises(ValueError, match="names 3 clusters, but its k is 2"):
        save(names=("a", "b", "c"))
    with pytest.raises(ValueError, match="at most 60 are accepted"):
        save(names=("a" * 61, "b"))
    with pytest.raises(ValueError, match="as its data file's sha256; expected 64 hex digits"):
        save(source_sha256="abc")


# ------------------------------------------------------------------------ applying a model


def test_typicality_and_labels_by_hand() -> None:
    values = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    scaled = scale_features(values, ["v"], "standard")
    labels = np.array([0, 0, 0, 1, 1, 1])
    centres = np.array([scaled.train[:3].mean(axis=0), scaled.train[3:].mean(axis=0)])
    fitted = saved_model(
        ["v"], scaled, labels, centres, source_name="v.csv", source_sha256="0" * 64
    )
    # Distances to the own centre: 1, 0, 1, 1, 0, 1 (over the standard deviation); the
    # quantiles rise from 0 at 20% to 1 at 40% (linear interpolation of six sorted values).
    applied = apply_model(fitted, pd.DataFrame({"v": [1.5, 5.9, 6.4, 100.0]}))
    np.testing.assert_array_equal(applied.labels, [0, 0, 1, 1])
    assert applied.typicality[0] == pytest.approx(30.0)  # 0.5 of the way: 20 + 10
    assert applied.typicality[3] == 100.0  # farther than every fitted place
    assert applied.sizes == (2, 2) and applied.message is None


@pytest.fixture(scope="module")
def housing() -> pd.DataFrame:
    return pd.read_csv(housing_csv())


def _housing_model(
    frame: pd.DataFrame, features: tuple[str, ...], scaler: str, transforms: dict[str, str]
) -> tuple[SavedModel, np.ndarray]:
    """The model at k = 5 of the housing data, and the labels its fit gave every row."""
    matrix = prepare_features(frame, features)
    scaled = scale_features(
        matrix.values, features, scaler, location_weight=2.0, transforms=transforms
    )
    fits = model.fit(scaled.train, matrix.values[:, 0], random_state=0, n_init="auto")
    fitted = saved_model(
        features,
        scaled,
        fits.labels_for(5),
        fits.centroids_for(5),
        source_name="housing.csv",
        source_sha256="0" * 64,
    )
    return fitted, fits.labels_for(5)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("features", "scaler", "transforms"),
    [
        (DEFAULT_FEATURES, "standard", {}),
        (
            (*DEFAULT_FEATURES, "population"),
            "geographic",
            {"population": "log1p", "median_house_value": "yeo-johnson"},
        ),
    ],
    ids=["standard", "transforms-geographic"],
)
def test_a_model_applied_to_its_own_data_gives_back_its_labels(
    housing: pd.DataFrame, features: tuple[str, ...], scaler: str, transforms: dict[str, str]
) -> None:
    fitted, labels = _housing_model(housing, features, scaler, transforms)
    applied = apply_model(read_model(model_json(fitted)), housing)
    np.testing.assert_array_equal(applied.labels, labels)
    assert applied.sizes == tuple(np.bincount(labels, minlength=5))
    # The fitted places' typicality is their own distances' percentile: spread evenly.
    assert applied.typicality.min() == 0.0 and applied.typicality.max() == 100.0
    np.testing.assert_allclose(
        np.percentile(applied.typicality, [10, 50, 90]), [10, 50, 90], atol=0.5
    )


@pytest.fixture(scope="module")
def toy() -> SavedModel:
    return toy_model(transforms={"price": "log1p"})


def _toy_frame() -> pd.DataFrame:
    return pd.DataFrame(TOY_VALUES, columns=list(TOY_FEATURES))


def test_rows_missing_a_feature_get_no_cluster(toy: SavedModel) -> None:
    frame = _toy_frame()
    frame["price"] = frame["price"].astype("Float64")
    frame.loc[1, "price"] = pd.NA
    frame.loc[2, "latitude"] = np.nan
    frame.loc[3, "longitude"] = np.inf
    applied = apply_model(toy, frame)
    np.testing.assert_array_equal(applied.labels, [1, -1, -1, -1])
    assert np.isnan(applied.typicality[1:]).all() and np.isfinite(applied.typicality[0])
    assert applied.sizes == (0, 1) and applied.message == (
        "3 of 4 places have no value for a feature of the model (latitude: 1, longitude: 1, "
        "price: 1); they get no cluster and are shown as 'not clustered'."
    )


def test_the_fitted_rows_get_their_labels(toy: SavedModel) -> None:
    np.testing.assert_array_equal(apply_model(toy, _toy_frame()).labels, [1, 0, 0, 1])


def test_markup_feature_names_apply_as_column_names() -> None:
    fitted = toy_model(feature_names=HOSTILE_FEATURE_NAMES)
    frame = pd.DataFrame(TOY_VALUES, columns=list(HOSTILE_FEATURE_NAMES))
    np.testing.assert_array_equal(apply_model(fitted, frame).labels, [1, 0, 0, 1])


def _refusal(toy: SavedModel, frame: pd.DataFrame) -> str:
    with pytest.raises(ValueError) as info:
        apply_model(toy, frame)
    said = str(info.value)
    assert not jargon(said), said
    return said


def test_a_missing_column_is_named_with_the_models_features(toy: SavedModel) -> None:
    said = _refusal(toy, _toy_frame().drop(columns="price"))
    assert said.startswith("The data has no column 'price', which the model uses.")
    assert "The model's features are 'latitude', 'longitude', 'price'" in said


def test_a_text_column_is_named(toy: SavedModel) -> None:
    frame = _toy_frame().assign(price=["3.2", "cheap", "4.1", "3.0"])
    assert _refusal(toy, frame).startswith("Column 'price' holds text, but the model uses it")


def test_a_transform_that_cannot_apply_names_the_column(toy: SavedModel) -> None:
    frame = _toy_frame().assign(price=[3.2, -1.0, 4.1, -2.5])
    said = _refusal(toy, frame)
    assert said.startswith("Column 'price' has values at or below -1 (the lowest is -2.5)")
    assert "log(1 + x) is not defined" in said


def test_a_value_that_overflows_when_scaled_names_the_column(toy: SavedModel) -> None:
    frame = _toy_frame().assign(latitude=[45.19, 1.7e308, 45.90, 45.20])
    assert _refusal(toy, frame).startswith("Column(s) 'latitude' hold values too large to be")


def test_app_version_is_the_projects() -> None:
    """The version a model file and the report carry is pyproject.toml's."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert app_version() == project["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", app_version())
