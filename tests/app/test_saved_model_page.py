"""AppTest: a model saved on the census data, applied to an uploaded file on the Data page."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import DATA_PAGE, texts, upload_on_data_page
from streamlit.testing.v1 import AppTest

from components.ui.models import MODEL_UPLOAD_KEY, USE_MODEL_KEY


def _places_with_house_values(n_places: int = 400) -> bytes:
    generator = np.random.default_rng(5)
    lines = ["site,lat,lng,median_house_value"]
    for index in range(n_places):
        north = generator.random() < 0.5
        lines.append(
            f"s{index},{(38.5 if north else 34.0) + generator.normal(0, 0.3):.4f},"
            f"{(-121.5 if north else -118.3) + generator.normal(0, 0.3):.4f},"
            f"{generator.uniform(50_000, 500_000):.0f}"
        )
    return "\n".join(lines).encode()


def _upload_model(app: AppTest, content: bytes) -> AppTest:
    uploader = next(w for w in app.file_uploader if w.key == MODEL_UPLOAD_KEY)
    uploader.upload("model.json", content, "application/json").run()
    return app


def _legend(app: AppTest) -> pd.DataFrame:
    return next(table.value for table in app.table if "median" in table.value.columns)


@pytest.mark.slow
def test_a_model_saved_on_the_census_data_labels_an_uploaded_file(
    real_data: Path,
    make_app: Callable[..., AppTest],
    deferred_downloads: dict[str, Callable[[], Any]],
) -> None:
    app = make_app(names="Far north|B|C|D|E")
    app.run()
    assert not app.exception, app.exception
    model = deferred_downloads["model_k5.json"]()
    document = json.loads(model)
    assert document["k"] == 5 and document["names"][0] == "Far north"
    assert document["feature_names"] == ["latitude", "longitude", "median_house_value"]

    content = _places_with_house_values()
    upload_on_data_page(app, "mine.csv", content)
    _upload_model(app, model)
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    app.button(key=USE_MODEL_KEY).click().run()
    app.switch_page("pages/clusters.py").run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert app.selectbox(key="method").value == "model"
    legend = _legend(app)
    assert legend["rows"].sum() == 400  # every place labelled
    assert legend["name"].iloc[0] == "Far north"
    rows = pd.read_csv(io.BytesIO(deferred_downloads["mine_k5_rows.csv"]()))
    assert rows["typicality"].between(0, 100).all()
    assert rows["cluster"].between(0, 4).all()
    # The other pages show it too.
    for page in ("pages/explain.py", "pages/classify.py", "pages/choose_k.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        assert not app.error, (page, texts(app.error))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"schema_version": 7}', "schema version 7"),
        (b"[" * 100_000, "deep"),
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b"not json", "JSON"),
    ],
)
def test_a_bad_model_file_is_refused_with_a_message(
    make_app: Callable[..., AppTest], content: bytes, expected: str
) -> None:
    app = upload_on_data_page(make_app(), "mine.csv", _places_with_house_values(50))
    _upload_model(app, content)
    assert not app.exception, app.exception
    message = " ".join(texts(app.error))
    assert "cannot be applied" in message and expected.lower() in message.lower(), message
    assert not [button for button in app.button if button.key == USE_MODEL_KEY]


def test_a_model_whose_column_the_file_lacks_says_which(
    real_data: Path,
    make_app: Callable[..., AppTest],
    deferred_downloads: dict[str, Callable[[], Any]],
) -> None:
    app = make_app()
    app.run()
    model = deferred_downloads["model_k5.json"]()
    content = b"lat,lng,price\n45.1,5.1,1\n45.2,5.3,2\n46.0,6.1,2\n"
    upload_on_data_page(app, "prices.csv", content)
    app.switch_page(DATA_PAGE).run()
    _upload_model(app, model)
    assert not app.exception, app.exception
    assert "median_house_value" in " ".join(texts(app.error))
