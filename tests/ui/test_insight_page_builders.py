"""Tests of the Choose k / Explain clusters builders: metric panels, advice on k, and the pages'
Markdown/HTML safety helpers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from components.engine.sweep.suggestions import KSuggestion
from components.figures.insight import choose_k_verdict, metrics_panels
from components.ui.insight import swatch_html
from components.ui.text import WORD_JOINER, escape_markdown


def _metrics() -> dict[str, np.ndarray]:
    return {
        "k": np.array([2, 3, 4, 5]),
        "inertia": np.array([100.0, 50.0, 40.0, 35.0]),
        "silhouette": np.array([0.4, 0.6, 0.5, 0.3]),
        "calinski_harabasz": np.array([10.0, 20.0, 30.0, 25.0]),
        "davies_bouldin": np.array([0.9, 0.5, 0.7, 0.8]),
        "fit_seconds": np.array([0.1, 0.2, 0.3, 0.4]),
    }


# --------------------------------------------------------------------------- metric panels


def test_metrics_panels_mark_best_knee_and_current_k() -> None:
    figure = metrics_panels(_metrics(), current_k=4, knee=3)
    curves = [trace for trace in figure.data if trace.mode == "lines+markers"]
    assert len(curves) == 5
    marks = {trace.name: trace.x[0] for trace in figure.data if trace.mode == "markers+text"}
    # Silhouette and CH: highest is best; Davies-Bouldin: lowest is best; inertia: the knee.
    assert marks == {
        "knee (Inertia)": 3,
        "best (Silhouette)": 3,
        "best (Calinski-Harabasz)": 4,
        "best (Davies-Bouldin)": 3,
    }
    current = [shape for shape in figure.layout.shapes if shape.x0 == 4]
    assert len(current) == 5  # one line per panel
    titles = " ".join(annotation.text for annotation in figure.layout.annotations)
    assert "higher is better" in titles and "lower is better" in titles


def test_metrics_panels_without_knee_or_current_k() -> None:
    figure = metrics_panels(_metrics())
    assert not [trace for trace in figure.data if trace.name.startswith("knee")]
    assert not figure.layout.shapes


def test_metrics_panels_show_a_sampled_silhouettes_spread_as_error_bars() -> None:
    metrics = _metrics() | {"silhouette_spread": np.array([0.01, 0.02, np.nan, 0.04])}
    figure = metrics_panels(metrics, current_k=3)
    curves = {trace.name: trace for trace in figure.data if trace.mode == "lines+markers"}
    silhouette = next(trace for name, trace in curves.items() if name.startswith("Silhouette"))
    assert silhouette.error_y.visible and silhouette.error_y.type == "data"
    np.testing.assert_array_equal(silhouette.error_y.array, [0.01, 0.02, np.nan, 0.04])
    assert "spread over the samples" in silhouette.hovertemplate
    others = [trace for name, trace in curves.items() if not name.startswith("Silhouette")]
    assert not any(trace.error_y.visible for trace in others)
    without = metrics_panels(_metrics())
    assert not any(trace.error_y.visible for trace in without.data)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        ({"davies_bouldin": None}, {}, "lacks"),
        ({"silhouette_spread": np.array([0.1])}, {}, "silhouette_spread"),
        ({"silhouette": np.array([0.1, 0.2])}, {}, "one value per k"),
        ({}, {"current_k": 9}, "current_k=9"),
    ],
)
def test_metrics_panels_validate(change: dict, kwargs: dict, message: str) -> None:
    metrics = _metrics()
    for name, value in change.items():
        if value is None:
            del metrics[name]
        else:
            metrics[name] = value
    with pytest.raises(ValueError, match=message):
        metrics_panels(metrics, **kwargs)


# --------------------------------------------------------------------------- advice on k


def _suggestion(knee: int | None, best_sil: int, best_ch: int) -> KSuggestion:
    agree = knee is not None and knee == best_sil == best_ch
    return KSuggestion(knee, best_sil, best_ch, agree, "The sweep's own message.")


def test_verdict_without_knee_and_with_edges() -> None:
    paragraphs = choose_k_verdict(_suggestion(None, 2, 15), 5, range(2, 16))
    text = " ".join(paragraphs)
    assert paragraphs[0] == "The sweep's own message."
    assert "no clear bend" in text or "without a clear bend" in text
    assert "smallest k (k=2)" in text
    assert "largest k tried (k=15)" in text
    assert "None of the three criteria picks the k shown (k=5)" in text


def test_verdict_names_the_criteria_that_pick_the_shown_k() -> None:
    paragraphs = choose_k_verdict(_suggestion(6, 6, 6), 6, range(2, 16))
    assert paragraphs[-1] == (
        "The k shown (k=6) is the knee and best silhouette and best Calinski-Harabasz."
    )
    assert not any("measure different things" in text for text in paragraphs)  # they agree
    mixed = choose_k_verdict(_suggestion(4, 3, 9), 9, range(2, 16))
    assert mixed[-1] == "The k shown (k=9) is the best Calinski-Harabasz."
    assert any("measure different things" in text for text in mixed)


# --------------------------------------------------------------------------- safety helpers


def test_escape_markdown_neutralises_links_html_latex_and_directives() -> None:
    text = "![x](http://evil.example/a.png) <b>$1 and $2</b> :red[alarm] **bold**\nline"
    escaped = escape_markdown(text)
    assert "\n" not in escaped
    # Every special character is preceded by a backslash; removing them gives the text back.
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == text.replace("\n", " ")
    for special in "![]()<>$:*":
        assert re.search(rf"(?<!\\){re.escape(special)}", escaped) is None, special


@pytest.mark.parametrize("bad", ["red", "#12345", "#12345G", "#123456;background:url(x)", ""])
def test_swatch_html_accepts_only_hex_colours(bad: str) -> None:
    with pytest.raises(ValueError):
        swatch_html(bad)


def test_swatch_html_uses_the_colour() -> None:
    html = swatch_html("#0072B2", 0.9)
    assert "background:rgb(0,114,178)" in html and "width:0.9em" in html
    with pytest.raises(ValueError, match="size_em"):
        swatch_html("#0072B2", 10)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(4597.0, "4,597"), (0.1234, "0.123"), (45678.9, "45.7k"), (1234567.0, "1.23M"), (None, "n/a")],
)
def test_a_card_s_value_is_short_and_never_in_exponent_notation(
    value: float | None, shown: str
) -> None:
    from components.engine.dataset import places_dataset
    from components.engine.upload import read_places
    from components.ui.insight import _short_value

    read = read_places(b"lat,lon,price\n45,5,1\n46,6,2\n47,7,3\n", filename="x.csv")
    assert _short_value(places_dataset(read, "x.csv", "0" * 64), "price", value) == shown
