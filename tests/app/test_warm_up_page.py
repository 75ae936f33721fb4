"""AppTest: the server's warm-up builds what the default Clusters page then reads.

``serve.py`` builds the default page's views before the first visitor
(:func:`components.ui.cache.warm_up.default_clusters_page`). It only helps if its cache
keys are the page's own: the page opened afterwards must fit nothing again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.cache import model, views, warm_up


def test_the_default_page_finds_the_warm_fits_and_views(
    real_data: Path, make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    fits: list[int] = []
    real_fit_sweep = model.engine_model.fit

    def counted_fit_sweep(*args: object, **kwargs: object) -> object:
        fits.append(1)
        return real_fit_sweep(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(model.engine_model, "fit", counted_fit_sweep)
    # Start from nothing cached, so the page's run would have to fit if the keys differed.
    model.sweep_fits.clear()
    views.legend.clear()

    assert warm_up.default_clusters_page().result(timeout=600) is True
    assert len(fits) == 1

    app = make_app().run()
    assert not app.exception
    assert len(fits) == 1  # the page's fits are the warm-up's
    assert any(table.value is not None for table in app.dataframe)  # it drew them
