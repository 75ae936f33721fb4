"""AppTest tests of what an upload holds in memory (issue 11, defect 4).

A file uploaded on the Data page is this session's: its bytes, its table and every model
built from it (``components.ui.cache.storage.per_source``) live in the upload budget
(``components.ui.cache.uploads.STORE``), compacted, and go when the session ends; other
sessions' uploads are evicted to stay within the budget. A session's end is what Streamlit
does when a websocket closes (``AppSession.clear_session_caches``): the session-scoped
caches of the session are cleared, which calls their ``on_release``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import DATA_PAGE, HOUSING_CSV, PROJECT_ROOT, upload_on_data_page
from streamlit.runtime import caching
from streamlit.testing.v1 import AppTest

from components.engine.compact import deep_nbytes
from components.ui import streamlit_internals
from components.ui.cache import uploads
from components.ui.selection import SELECTION_OPEN_KEY
from components.ui.upload_budget import BudgetStore
from tests.markdown_shown import shown

pytestmark = pytest.mark.usefixtures("real_data")  # the census data, when no file is held

CLUSTERS_PAGE = "pages/clusters.py"
GOOD_FILE = PROJECT_ROOT / "tests" / "data" / "places_good.csv"
SESSION = "test session id"  # AppTest's session id
# What the pipeline keeps of a file for the Clusters page (the per_source functions' names).
FILE_KINDS = {"places file", "dataset", "column_values", "whereabouts"}
MODEL_KINDS = {
    "prepared",
    "scaled",
    "fit_rows",
    "sweep_fits",
    "scores_job",
    "row_labels",
}
SELECTION_KINDS = {"place_cells"}  # the selection map's cells of places, once it is drawn


@pytest.fixture
def released() -> list[str]:
    return []


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, released: list[str]) -> Iterator[BudgetStore]:
    """A fresh budget for the test: 64 MB, no memory limit, released at once when a session ends."""
    fresh = BudgetStore(64 * 1024 * 1024, grace_seconds=0, on_release=released.append)
    monkeypatch.setattr(uploads, "STORE", fresh)
    yield fresh


def _read(elements: Any) -> list[str]:
    """The text of elements as a reader sees it (escapes, bold and code marks gone)."""
    return [shown(str(element.value)).text for element in elements]


def _open(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _on_data_page(make_app: Callable[..., AppTest]) -> AppTest:
    app = make_app()
    return _open(app, DATA_PAGE)


def _upload(
    app: AppTest, name: str = GOOD_FILE.name, content: bytes | None = None, mime: str = "text/csv"
) -> AppTest:
    content = GOOD_FILE.read_bytes() if content is None else content
    upload_on_data_page(app, name, content, mime)
    assert not app.exception, app.exception
    return app


def _clustered(make_app: Callable[..., AppTest]) -> AppTest:
    """Upload the good file on the Data page and open the Clusters page: the map is shown."""
    app = _open(_upload(_on_data_page(make_app)), CLUSTERS_PAGE)
    assert app.get("deck_gl_json_chart"), "the map is shown"
    return app


def _now_clustering(app: AppTest) -> str:
    (heading,) = [
        shown(str(header.value)).text
        for header in app.subheader
        if str(header.value).startswith("Now clustering")
    ]
    return heading


def _digest() -> str:
    return hashlib.sha256(GOOD_FILE.read_bytes()).hexdigest()


def _kinds(store: BudgetStore, owner: str = SESSION) -> set[str]:
    return {str(key[0]) for key in store.keys(owner)}


def _held(store: BudgetStore, kind: str) -> list[Any]:
    return [store.get(SESSION, key) for key in store.keys(SESSION) if key[0] == kind]


def _end_session() -> None:
    """What Streamlit does when the session's websocket closes."""
    caching.clear_session_data_cache(SESSION)
    caching.clear_session_resource_cache(SESSION)


def test_an_upload_is_held_for_its_session_compacted(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    app = _clustered(make_app)
    assert _kinds(store) == FILE_KINDS | MODEL_KINDS  # the models too, not process-wide
    app.toggle(key=SELECTION_OPEN_KEY).set_value(True).run()
    assert not app.exception, app.exception
    assert _kinds(store) == FILE_KINDS | MODEL_KINDS | SELECTION_KINDS
    assert store.owners() == {SESSION}
    assert store.get(SESSION, ("places file", _digest())) == GOOD_FILE.read_bytes()
    (data,) = _held(store, "dataset")
    frame = data.places.frame
    assert frame["latitude"].dtype == np.float64 and frame["longitude"].dtype == np.float64
    assert frame["visitors"].dtype == np.float32 and frame["rating"].dtype == np.float32
    (fits,) = _held(store, "sweep_fits")
    assert fits.labels.dtype == np.int8
    assert store.total_bytes == sum(
        deep_nbytes(store.get(SESSION, key)) for key in store.keys(SESSION)
    )


def test_an_upload_is_released_when_its_session_ends(
    make_app: Callable[..., AppTest], store: BudgetStore, released: list[str]
) -> None:
    app = _clustered(make_app)
    uploader_key = _open(app, DATA_PAGE).file_uploader[0].key
    assert store.total_bytes > GOOD_FILE.stat().st_size
    _end_session()
    assert store.total_bytes == 0 and len(store) == 0
    assert released == [SESSION]
    # Had the session come back after that, the page says so and asks for the file again;
    # meanwhile the pages show the census data.
    _open(app, DATA_PAGE)
    assert any(
        f"{GOOD_FILE.name} is no longer held on the server" in text
        and "Upload it again on the Data page" in text
        for text in _read(app.warning)
    ), _read(app.warning)
    assert _now_clustering(app) == "Now clustering: California housing, 1990 census"
    assert not [caption for caption in _read(app.caption) if caption.startswith("Holding ")]
    # A new, empty uploader, ready for the file again (not the old one showing its name).
    assert app.file_uploader[0].key != uploader_key and app.file_uploader[0].value is None
    assert len(store) == 0


def test_a_session_back_within_the_grace_period_keeps_its_upload(
    make_app: Callable[..., AppTest], store: BudgetStore, released: list[str]
) -> None:
    store.grace_seconds = 600.0
    app = _clustered(make_app)
    held = store.total_bytes
    _end_session()
    assert store.ended_owners() == {SESSION}
    app.run()  # the session reconnects and runs again
    assert not app.exception, app.exception
    assert store.ended_owners() == set() and store.total_bytes == held
    assert app.get("deck_gl_json_chart")
    assert not _read(app.warning)
    assert store.reap() == set() and released == []


def test_the_example_comes_back_without_a_word_after_a_release(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    app = _on_data_page(make_app)
    app.button(key="data_example").click().run()
    _open(app, CLUSTERS_PAGE)
    assert app.get("deck_gl_json_chart")
    _end_session()
    assert len(store) == 0
    app.run()
    assert not app.exception, app.exception
    assert not _read(app.warning)
    assert app.get("deck_gl_json_chart")
    # The example itself, on this very run: not the census data meanwhile.
    assert any("320 places of example_places.csv" in text for text in _read(app.caption))
    assert "places file" in _kinds(store)


def test_other_sessions_uploads_are_evicted_to_stay_within_the_budget(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    kb = 1024
    store.budget_bytes = 1_900 * kb + 1 * kb  # the upload and its models take a few KB more
    store.put("another session", ("places file", "x"), b"", 1_000 * kb, ("places", "x"))
    store.put("another session", ("dataset", "x"), "", 900 * kb, ("places", "x"))
    _clustered(make_app)
    assert 0 < store.total_bytes <= store.budget_bytes
    assert store.keys("another session") == [("dataset", "x")]  # the oldest went first
    assert _kinds(store) == FILE_KINDS | MODEL_KINDS


def test_an_upload_above_the_budget_alone_is_still_shown(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    store.put("another session", ("places file", "x"), b"", 1_000, ("places", "x"))
    store.budget_bytes = 2 * 1024  # this session's file and its models take more
    app = _clustered(make_app)
    assert "another session" not in store.owners()  # the other session's file went first
    # The page run keeps what it used of the file, even what the budget let go meanwhile.
    assert app.get("deck_gl_json_chart")
    assert not app.error, _read(app.error)


def test_the_file_stays_when_streamlit_no_longer_holds_its_copy(
    make_app: Callable[..., AppTest], store: BudgetStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a server the uploader's bytes are dropped once the budget holds them.

    At the next run the uploader's value becomes a ``DeletedFile`` and its ``on_change`` runs
    once more; the app must keep the file. AppTest registers the bytes again at every run: not
    from here on. (AppTest then sends an empty uploader after one run, which a browser does
    not: that run is the page switch, after which the uploader is not drawn.)
    """
    app = _upload(_on_data_page(make_app))
    monkeypatch.setattr(AppTest, "_register_uploaded_files", lambda self, runner: None)
    _open(app, CLUSTERS_PAGE)
    assert any(f"12 places of {GOOD_FILE.name}" in text for text in _read(app.caption))
    app.slider(key="k").set_value(2).run()
    assert not app.exception, app.exception
    assert app.get("deck_gl_json_chart")
    assert not [text for text in _read(app.warning) if "no longer held" in text]
    assert ("places file", _digest()) in store.keys(SESSION)
    _open(app, DATA_PAGE)  # back on the Data page: a fresh uploader, the file still held
    assert _now_clustering(app) == f"Now clustering: {GOOD_FILE.name}"


def test_a_file_is_refused_with_a_message_when_memory_is_too_short(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    store.rss_limit_bytes = 2_048 * 1024 * 1024
    store.refuse_above_bytes = 2_400 * 1024 * 1024
    store._rss = lambda: 2_500 * 1024 * 1024  # a server near Community Cloud's 2.7 GB
    app = _upload(_on_data_page(make_app))
    warnings = _read(app.warning)
    assert any(
        text.startswith("Your file was not read yet.") and "short of memory" in text
        for text in warnings
    ), warnings
    assert not _read(app.error)  # the file is not at fault
    assert _kinds(store) == {"places file"}  # nothing was read
    _open(app, CLUSTERS_PAGE)  # the same on the pages that cluster it
    assert any("short of memory" in text for text in _read(app.warning))
    assert not app.get("deck_gl_json_chart")
    assert _kinds(store) == {"places file"}


def test_forgetting_the_file_releases_it(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    app = _clustered(make_app)
    assert len(store) > 0
    _open(app, DATA_PAGE)
    app.button(key="data_forget").click().run()
    assert not app.exception, app.exception
    assert len(store) == 0


def test_another_file_releases_the_previous_one(
    make_app: Callable[..., AppTest], store: BudgetStore
) -> None:
    app = _clustered(make_app)
    _upload(app, "three.csv", b"lat,lon\n45.1,5.1\n45.2,5.3\n46.0,6.1\n")
    digests = {key[1] for key in store.keys(SESSION) if key[0] == "places file"}
    assert digests == {hashlib.sha256(b"lat,lon\n45.1,5.1\n45.2,5.3\n46.0,6.1\n").hexdigest()}
    assert not _held(store, "sweep_fits")  # the first file's models went with it


@pytest.mark.slow
def test_a_housing_csv_upload_is_this_sessions_and_its_download_works_off_thread(
    make_app: Callable[..., AppTest],
    store: BudgetStore,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    deferred_downloads: dict[str, Callable[[], Any]],
) -> None:
    """The census CSV uploaded (when the server has no copy) is a file like any other.

    Its CSV download runs in a worker thread (Streamlit executes deferred downloads there),
    where no session-scoped cache can be read: the rows must still be found.
    """
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    lines = HOUSING_CSV.read_text(encoding="utf-8").splitlines()
    sample = ("\n".join(lines[:1] + lines[3::50]) + "\n").encode()  # header + every 50th row
    app = _on_data_page(make_app)
    assert any("nowhere.csv" in text for text in _read(app.error))  # no census data here
    _upload(app, "housing.csv", sample)
    assert not app.error, _read(app.error)
    _open(app, CLUSTERS_PAGE)
    assert app.get("deck_gl_json_chart")
    assert ("places file", hashlib.sha256(sample).hexdigest()) in store.keys(SESSION)
    assert store.owners() == {SESSION}
    (rows_csv,) = [make for name, make in deferred_downloads.items() if name.endswith("_rows.csv")]
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
    cut_off = b"PAR1" + b"\x00" * 5_000_000  # 5 MB: a CSV's estimate would be 55 MB
    app = _upload(_on_data_page(make_app), "cut.parquet", cut_off, "application/octet-stream")
    assert not [text for text in _read(app.warning) if "short of memory" in text]
    errors = _read(app.error)
    assert len(errors) == 1 and "not a complete Parquet file" in errors[0], errors
    assert errors[0].startswith("cut.parquet cannot be used.")
