"""Tests of the pure helpers in components/ui/settings.py (no Streamlit server needed)."""

from __future__ import annotations

from dataclasses import replace

from components.engine.dataset import places_dataset
from components.engine.upload import read_places
from components.ui import keys
from components.ui.settings import default_settings, source_param


def test_a_link_names_the_census_data_or_an_upload_by_its_digest() -> None:
    assert source_param(keys.DataSource(kind=keys.SOURCE_HOUSING, name="/x.csv")) == "housing"
    upload = keys.DataSource(kind=keys.SOURCE_UPLOAD, name="ab" * 32, label="f.csv")
    assert source_param(upload) == "upload:" + "ab" * 8
    result = keys.DataSource(kind=keys.SOURCE_DISTRIBUTED, name="/srv/result", label="result")
    assert source_param(result) == "result"  # a link keeps the result's settings apart


def test_a_first_visit_starts_from_the_datas_features_and_scaler() -> None:
    read = read_places(b"lat,lon,price\n45.1,5.1,1\n45.2,5.2,2\n45.3,5.4,4\n")
    data = replace(
        places_dataset(read, "f.csv", ""), default_scaler="geographic", default_location_weight=2.0
    )
    settings = default_settings(data)
    assert (settings.features, settings.value_column) == (data.default_features, "price")
    assert (settings.scaler, settings.location_weight) == ("geographic", 2.0)


def test_the_settings_file_carries_the_data_and_every_setting_of_the_link() -> None:
    import json

    from components.ui.settings import settings_json
    from components.ui.url_state import ClusterSettings, to_query_params

    settings = ClusterSettings(
        features=("latitude", "longitude", "price"),
        transforms=(("price", "asinh"),),
        method="levels",
        fine_k=20,
        names=("Old <b>town</b>", "Docks"),
        n_clusters=2,
    )
    upload = keys.DataSource(kind=keys.SOURCE_UPLOAD, name="ab" * 32, label="f.csv")
    document = json.loads(settings_json(upload, "prices <2024>.csv", settings))
    assert document["data"] == "upload:" + "ab" * 8 and document["sha256"] == "ab" * 32
    assert document["name"] == "prices <2024>.csv"
    assert document["settings"] == to_query_params(settings)
    assert document["settings"]["transform"] == "price:asinh"
    assert document["settings"]["names"] == "Old <b>town</b>|Docks"
    housing = keys.DataSource(kind=keys.SOURCE_HOUSING, name="/x.csv")
    assert json.loads(settings_json(housing, "housing", ClusterSettings()))["sha256"] is None
