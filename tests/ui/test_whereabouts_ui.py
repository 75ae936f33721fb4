"""AppTest tests of components/ui/whereabouts.py: the sentence, the sea warning, the swap button."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from components.engine.whereabouts import PlaceCounts, Whereabouts, locate_places
from components.ui.whereabouts import SWAP_LABEL, sea_warning


def _app(result: object, with_callback: bool) -> None:
    """The page under test: the places' whereabouts, and a flag the swap button sets."""
    import streamlit as st

    from components.ui.whereabouts import show_whereabouts

    def swap() -> None:
        st.session_state["swapped"] = True

    st.session_state.setdefault("swapped", False)
    show_whereabouts(result, on_swap=swap if with_callback else None, key="where_swap")  # type: ignore[arg-type]


def _run(result: Whereabouts, *, with_callback: bool = True) -> AppTest:
    app = AppTest.from_function(_app, args=(result, with_callback), default_timeout=30)
    app.run()
    assert not app.exception
    return app


def _paris_swapped() -> Whereabouts:
    rng = np.random.default_rng(0)
    return locate_places(2.35 + rng.normal(0, 0.05, 40), 48.86 + rng.normal(0, 0.05, 40))


def test_places_on_land_get_the_sentence_only() -> None:
    counts = PlaceCounts(countries=(("Somalia", 58), ("Ethiopia", 2)), n_sea=0)
    result = Whereabouts(current=counts, swapped=counts, n_places=60, sampled=False)
    app = _run(result)
    assert [markdown.value for markdown in app.markdown] == [
        "**Where the places are:** 58 in Somalia, 2 in Ethiopia."
    ]
    assert not app.warning
    assert not app.button


def test_places_swapped_into_the_sea_get_the_warning_and_the_button() -> None:
    result = _paris_swapped()
    app = _run(result)
    assert "40 in the sea" in app.markdown[0].value
    assert len(app.warning) == 1
    warning = app.warning[0].value
    assert "40 of 40 places fall in the sea" in warning
    assert "40 in France" in warning
    assert app.button[0].label == SWAP_LABEL
    assert app.session_state["swapped"] is False
    app.button[0].click().run()
    assert app.session_state["swapped"] is True


def test_no_button_without_a_callback() -> None:
    app = _run(_paris_swapped(), with_callback=False)
    assert len(app.warning) == 1
    assert not app.button


def test_sea_both_ways_gets_the_warning_without_the_offer() -> None:
    sea = PlaceCounts(countries=(("Norway", 1),), n_sea=9)
    result = Whereabouts(current=sea, swapped=sea, n_places=10, sampled=False)
    app = _run(result)
    assert len(app.warning) == 1
    assert "swapped" not in sea_warning(result)
    assert not app.button


def test_names_are_escaped() -> None:
    counts = PlaceCounts(countries=(("[Click](https://example.com)", 3),), n_sea=0)
    result = Whereabouts(current=counts, swapped=None, n_places=3, sampled=False)
    value = _run(result).markdown[0].value
    assert "](" not in value
    assert r"\[Click\]\(https" in value
