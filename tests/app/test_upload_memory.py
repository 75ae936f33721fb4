"""AppTest tests of what an upload holds in memory (issue 11, defect 4).

An upload is this session's: its bytes, rows and model live in the upload budget
(``components.ui.cache.uploads.STORE``), compacted, and go when the session ends; other
sessions' uploads are evicted to stay within the budget. A session's end is what Streamlit
does when a websocket closes (``AppSession.clear_session_caches``): the session-scoped
caches of the session are cleared, which calls their ``on_release``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import HOUSING_CSV, PROJECT_ROOT, texts
from streamlit.runtime import caching
from streamlit.testing.v1 import AppTest

from components.engine.compact import deep_nbytes
from components.ui import streamlit_internals
from components.ui.cache import uploads
from components.ui.upload_budget import BudgetStore

PAGE = "pages/your_places.py"
GOOD_FILE = PROJECT_ROOT / "tests" / "data" / "places_good.csv"
SESSION = "test session id"  # AppTest's session id


@pytest.fixture
def released() -> list[str]:
    return []


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, released: list[str]) -> Iterator[BudgetStore]:
    """A fresh budget for the test: 64 MB, no memory limit, released at once when a session ends."""
    fresh = BudgetStore(64 * 1024 * 1024, grace_seconds=0, on_release=released.append)
    monkeypatch.setattr(uploads, "STORE", fresh)
    yield fresh


def _uploaded(make_app: Callable[..., AppTest]) -> AppTest:
    app = make_app(PAGE)
    app.run()
    app.file_uploader[0].set_value((GOOD_FILE.name, GOOD_FILE.read_bytes(), "text/csv")).run()
    assert not app.exception, app.exception
    assert app.get("deck_gl_json_chart"), "the map is shown"
    return app


def _digest() -> str:
    return hashlib.sha256(GOOD_FILE.read_bytes()).hexdigest()


def _kinds(store: BudgetStore) -> set[str]:
    return {str(key[0]) for key in store.keys(SESSION)}


def _end_session() -> None:
    """What Streamlit does when the session's websocket closes."""
    caching.clear_session_data_cache(SESSION)
    caching.clear_session_resource_cache(SESSION)


def _plain(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_an_upload_is_held_for_its_session_compacted(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    _uploaded(make_app)
    assert _kinds(store) == {"places file", "places data", "places model"}
    assert store.owners() == {SESSION}
    data = store.get(SESSION, ("places data", _digest(), GOOD_FILE.name, "lat", "lng"))
    assert data is not None
    frame = data.frame  # type: ignore[attr-defined]
    assert frame["lat"].dtype == np.float64 and frame["lng"].dtype == np.float64
    assert frame["visitors"].dtype == np.float32 and frame["rating"].dtype == np.float32
    (model_key,) = [key for key in store.keys(SESSION) if key[0] == "places model"]
    model = store.get(SESSION, model_key)
    assert model.sweep.labels.dtype == np.int8  # type: ignore[attr-defined]
    assert store.total_bytes == sum(
        deep_nbytes(store.get(SESSION, key)) for key in store.keys(SESSION)
    )


def test_an_upload_is_released_when_its_session_ends(
    make_app: Callable[..., AppTest], store: BudgetStore, released: list[str]
) -> None:
    app = _uploaded(make_app)
    assert store.total_bytes > GOOD_FILE.stat().st_size
    _end_session()
    assert store.total_bytes == 0 and len(store) == 0
    assert released == [SESSION]
    # Had the session come back after that, the page says so and asks for the file again.
    app.run()
    assert not app.exception, app.exception
    assert any(
        GOOD_FILE.name in _plain(text) and "no longer held" in text for text in texts(app.warning)
    )
    assert not app.get("deck_gl_json_chart")
    assert app.file_uploader[0].value is None
    assert len(store) == 0


def test_a_session_back_within_the_grace_period_keeps_its_upload(
    make_app: Callable[..., AppTest], store: BudgetStore, released: list[str]
) -> None:
    store.grace_seconds = 600.0
    app = _uploaded(make_app)
    held = store.total_bytes
    _end_session()
    assert store.ended_owners() == {SESSION}
    app.run()  # the session reconnects and runs again
    assert not app.exception, app.exception
    assert store.ended_owners() == set() and store.total_bytes == held
    assert app.get("deck_gl_json_chart")
    assert store.reap() == set() and released == []


def test_the_example_comes_back_without_a_word_after_a_release(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    app = make_app(PAGE)
    app.run()
    app.button(key="places_example").click().run()
    assert app.get("deck_gl_json_chart")
    _end_session()
    app.run()
    assert not app.exception, app.exception
    assert not texts(app.warning)
    assert app.get("deck_gl_json_chart")


def test_other_sessions_uploads_are_evicted_to_stay_within_the_budget(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    kb = 1024
    store.budget_bytes = 1_900 * kb + 1 * kb  # the upload takes a few KB more than 1 KB
    store.put("another session", ("places file", "x"), b"", 1_000 * kb, ("places", "x"))
    store.put("another session", ("places data", "x"), "", 900 * kb, ("places", "x"))
    _uploaded(make_app)
    assert store.total_bytes <= store.budget_bytes
    assert store.keys("another session") == [("places data", "x")]  # the oldest went first
    assert _kinds(store) == {"places file", "places data", "places model"}
    store.budget_bytes = 10 * 1024
    app = _uploaded(make_app)  # this session's upload alone is above the budget now
    assert store.owners() == {SESSION}
    assert app.get("deck_gl_json_chart")


def test_the_file_stays_when_streamlit_no_longer_holds_its_copy(
    make_app: Callable[..., AppTest], store: BudgetStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a server the uploader's bytes are dropped once the budget holds them.

    The uploader's value then becomes a ``DeletedFile`` and its ``on_change`` runs once more;
    the page must keep the file. AppTest registers the bytes again at every run: not here.
    """
    app = _uploaded(make_app)
    monkeypatch.setattr(AppTest, "_register_uploaded_files", lambda self, runner: None)
    app.slider(key="places_k").set_value(2).run()
    assert not app.exception, app.exception
    assert app.get("deck_gl_json_chart")
    assert not [text for text in texts(app.warning) if "no longer held" in text]
    assert "places file" in _kinds(store)


def test_a_file_is_refused_with_a_message_when_memory_is_too_short(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    store.rss_limit_bytes = 2_048 * 1024 * 1024
    store.refuse_above_bytes = 2_400 * 1024 * 1024
    store._rss = lambda: 2_500 * 1024 * 1024  # a server near Community Cloud's 2.7 GB
    app = make_app(PAGE)
    app.run()
    app.file_uploader[0].set_value((GOOD_FILE.name, GOOD_FILE.read_bytes(), "text/csv")).run()
    assert not app.exception, app.exception
    assert any("short of memory" in _plain(text) for text in texts(app.warning))
    assert not texts(app.error)  # the file is not at fault
    assert not app.get("deck_gl_json_chart")
    assert _kinds(store) == {"places file"}  # nothing was read


def test_forgetting_the_file_releases_it(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    app = _uploaded(make_app)
    app.button(key="places_forget").click().run()
    assert not app.exception, app.exception
    assert len(store) == 0


@pytest.mark.slow
def test_a_housing_upload_is_this_sessions_and_its_download_works_off_thread(
    make_app: Callable[..., AppTest],
    store: BudgetStore,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    deferred_downloads: dict[str, Callable[[], Any]],
) -> None:
    """The Clusters page's upload (when the data is missing) is held per session too.

    Its CSV download runs in a worker thread (Streamlit executes deferred downloads there),
    where no session-scoped cache can be read: the parsed upload must still be found.
    """
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    lines = HOUSING_CSV.read_text(encoding="utf-8").splitlines()
    sample = ("\n".join(lines[:1] + lines[3::50]) + "\n").encode()  # header + every 50th row
    app = make_app()
    app.run()
    app.get("file_uploader")[0].upload("housing.csv", sample, "text/csv").run()
    assert not app.exception, app.exception
    assert app.get("deck_gl_json_chart")
    digest = hashlib.sha256(sample).hexdigest()
    assert ("housing file", digest) in store.keys(SESSION)
    (rows_csv,) = [
        make for name, make in deferred_downloads.items() if name.startswith("geocluster_rows")
    ]
    payload = rows_csv()  # here: no script thread, as in Streamlit's worker thread
    assert payload.decode("utf-8").count("\r\n") == len(lines[3::50]) + 1
    _end_session()
    assert len(store) == 0


def test_what_streamlit_keeps_for_an_ended_session_is_dropped_with_it() -> None:
    # What the release does to Streamlit's own managers is checked against a real runtime in
    # tests/ui/test_streamlit_internals.py.
    assert uploads.STORE.on_release is streamlit_internals.release_session_files


def test_a_file_the_reader_refuses_at_once_is_told_why_when_memory_is_short(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    store.rss_limit_bytes = 2_048 * 1024 * 1024
    store.refuse_above_bytes = 2_400 * 1024 * 1024
    store._rss = lambda: 2_380 * 1024 * 1024  # room for 20 MB more, not for 55
    app = make_app(PAGE)
    app.run()
    cut_off = b"PAR1" + b"\x00" * 5_000_000  # 5 MB: a CSV's estimate would be 55 MB
    app.file_uploader[0].set_value(("cut.parquet", cut_off, "application/octet-stream")).run()
    assert not app.exception, app.exception
    assert not [text for text in texts(app.warning) if "short of memory" in _plain(text)]
    errors = [_plain(text) for text in texts(app.error)]
    assert len(errors) == 1 and "not a complete Parquet file" in errors[0], errors
