"""AppTest tests of the Explain clusters page on the real data: cards, price share, train/test."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import chart_spec, texts
from streamlit.testing.v1 import AppTest

from components.figures.palette import PALETTE, hex_to_rgb
from components.ui import insight as ui_insight
from components.ui import widgets as ui

PAGE = "pages/explain.py"


def _blocks(node: Any) -> Iterator[Any]:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _blocks(child)


def _card_clusters(app: AppTest) -> list[int]:
    """Cluster numbers of the bordered cards, in page order."""
    marker = f"-{ui_insight.CARD_KEY_PREFIX}"
    clusters = []
    for block in _blocks(app.main):
        block_id = getattr(getattr(block, "proto", None), "id", "")
        if isinstance(block_id, str) and marker in block_id:
            assert block.proto.flex_container.border, "a cluster card must have a border"
            clusters.append(int(block_id.rsplit(marker, 1)[1]))
    return clusters


def _eta_squared(app: AppTest) -> float:
    metric = next(m for m in app.metric if "eta²" in m.label)
    return float(metric.value)


@pytest.mark.slow
def test_cards_price_share_and_k_change(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert _card_clusters(app) == [0, 1, 2, 3, 4]
    # The summaries are escaped Markdown (a $ must not start LaTeX): read them unescaped.
    markdown = [re.sub(r"\\(.)", r"\1", m.value) for m in app.markdown]
    summaries = [text for text in markdown if text.startswith("Cluster 0 (")]
    assert len(summaries) == 1
    assert "median house value, $" in summaries[0] and "overall median" in summaries[0]
    headers = [text for text in markdown if "**Cluster 0**" in text]
    red, green, blue = hex_to_rgb(PALETTE[0])
    assert len(headers) == 1 and f"background:rgb({red},{green},{blue})" in headers[0]

    eta_five = _eta_squared(app)
    assert 0 < eta_five < 1
    assert any("of the variation in median house value" in text for text in texts(app.info))
    assert any(m.label == "Kruskal-Wallis H" for m in app.metric)
    boxes = chart_spec(app, "explain_value_boxes")
    assert len(boxes["data"]) == 5

    # Without the split the check is offered, not shown.
    assert app.button(key="turn_split_on").label == "Turn the train/test split on"
    assert not [c for c in app.get("plotly_chart") if c.proto.id.endswith("-train_test_chart")]

    table = next(t.value for t in app.dataframe if "summary" in t.value.columns)
    assert list(table["cluster"]) == [0, 1, 2, 3, 4]
    assert table["size"].sum() == 20_640

    app.slider(key=ui.K_KEY).set_value(3).run()
    assert not app.exception, app.exception
    assert _card_clusters(app) == [0, 1, 2]
    eta_three = _eta_squared(app)
    assert 0 < eta_three < 1
    assert app.query_params["k"] == "3"


@pytest.mark.slow
def test_split_button_turns_on_the_train_test_check(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(PAGE, k="4")
    app.run()
    app.button(key="turn_split_on").click().run()
    assert not app.exception, app.exception
    assert app.checkbox(key=ui.SPLIT_KEY).value is True
    assert app.query_params["split"] == "1"
    chart = chart_spec(app, "train_test_chart")
    assert [trace["name"] for trace in chart["data"]] == ["train", "test"]
    assert len(chart["data"][0]["x"]) == 4
    verdicts = texts(app.success) + texts(app.warning)
    assert any("test" in text and "median" in text for text in verdicts), verdicts
    check = next(t.value for t in app.dataframe if "n_test" in t.value.columns)
    assert list(check["cluster"]) == [0, 1, 2, 3]
    # The tutorial's split: scikit-learn's train_test_split rounds the test share up.
    assert check["n_test"].sum() == math.ceil(0.33 * 20_640)
    assert check["n_train"].sum() + check["n_test"].sum() == 20_640
    assert _card_clusters(app) == [0, 1, 2, 3]


@pytest.mark.slow
def test_bad_link_values_are_reported(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE, split="maybe", features="latitude,nonsense")
    app.run()
    assert not app.exception, app.exception
    notices = " ".join(texts(app.warning))
    assert "Ignored split='maybe'" in notices and "'nonsense'" in notices
    assert app.checkbox(key=ui.SPLIT_KEY).value is False
    assert app.multiselect(key=ui.FEATURES_KEY).value == ["latitude"]
    assert _card_clusters(app) == [0, 1, 2, 3, 4]


def test_missing_data_is_explained(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    assert any("nowhere.csv" in text for text in texts(app.error)), texts(app.error)
    assert any("Data page" in block.value for block in app.markdown)  # the way out
    assert not _card_clusters(app)
