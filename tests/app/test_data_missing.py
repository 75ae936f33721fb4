"""When the data cannot be had, the pages say how to provide it and never raise.

The way out is the Data page: every page that cannot read the census data says so, then
links to it, where a file of one's own (housing.csv included) becomes every page's data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import HOUSING_CSV, texts, upload_on_data_page
from streamlit.testing.v1 import AppTest

from components.engine import data
from tests.hostile.catalogue import plain
from tests.markdown_shown import shown

PAGES = ["app.py", "pages/explore.py"]
CLUSTERS_PAGE = "pages/clusters.py"
WAY_OUT = "Or cluster a file of your own on the Data page."


def _open(make_app: Callable[..., AppTest], script: str) -> AppTest:
    """Run a page through the router (app.py), as a browser opens it."""
    app = make_app()
    if script != "app.py":
        app.switch_page(script)
    app.run()
    assert not app.exception, app.exception
    return app


def _shown(elements: Any) -> list[str]:
    """Alert texts as a reader sees them (bold and escapes gone)."""
    return [shown(str(element.value)).text for element in elements]


def _assert_way_out(app: AppTest) -> None:
    """The page points to the Data page, the only place a file is uploaded."""
    assert WAY_OUT in [plain(str(element.value)) for element in app.markdown]
    assert any(link.proto.page.endswith("data") for link in app.get("page_link"))
    assert not app.get("file_uploader")  # no uploader of its own: one place for files


@pytest.mark.parametrize("script", PAGES)
def test_data_env_var_pointing_to_a_missing_file(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    make_app: Callable[..., AppTest],
    script: str,
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = _open(make_app, script)
    errors = _shown(app.error)
    assert any("GEOCLUSTER_DATA" in text and "nowhere.csv" in text for text in errors), errors
    assert any(text.startswith("The housing data is not available.") for text in errors), errors
    assert not any(str(tmp_path) in text for text in errors), errors  # the name, not the path
    _assert_way_out(app)
    assert not app.get("deck_gl_json_chart")


@pytest.mark.parametrize("script", PAGES)
def test_shipped_file_missing(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    make_app: Callable[..., AppTest],
    script: str,
) -> None:
    monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)
    monkeypatch.setattr(data, "SHIPPED_DATA_PATH", tmp_path / "data" / "housing.csv.gz")
    app = _open(make_app, script)
    errors = [plain(text) for text in texts(app.error)]
    assert any("is missing" in text and "housing.csv.gz" in text for text in errors), errors
    _assert_way_out(app)


def test_an_unreadable_data_file_gives_commands_that_work_when_copied(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    """The alert's commands are code: Markdown would turn "--" into a dash, and the copied
    "git checkout — data/housing.csv.gz" would not run."""
    locked = tmp_path / "locked file.csv"
    locked.write_bytes(b"x")
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setenv("GEOCLUSTER_DATA", str(locked))
    app = _open(make_app, "pages/explore.py")
    assert len(app.error) == 1, texts(app.error)
    markdown = app.error[0].value
    assert "`git checkout -- data/housing.csv.gz`" in markdown  # a code span in the body
    page = shown(markdown)
    assert not page.retyped, page.retyped  # no "--" left in the text for Markdown to dash
    assert "\u2014" not in page.text
    assert page.text.startswith(
        "The housing data is not available. The data file locked file.csv cannot be read: "
        "permission denied. Let the user that runs the app read it (e.g. chmod a+r "
        "'locked file.csv'), or point GEOCLUSTER_DATA at a readable copy."
    )
    assert {
        "locked file.csv",
        "chmod a+r 'locked file.csv'",
        "GEOCLUSTER_DATA",
        "data/housing.csv.gz",
        "git checkout -- data/housing.csv.gz",
    } <= set(page.code)
    assert str(tmp_path) not in page.text
    _assert_way_out(app)


def test_damaged_shipped_file_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    damaged = tmp_path / "housing.csv.gz"
    raw = data.SHIPPED_DATA_PATH.read_bytes()
    damaged.write_bytes(raw[: len(raw) // 3])  # an interrupted copy
    monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)
    monkeypatch.setattr(data, "SHIPPED_DATA_PATH", damaged)
    app = _open(make_app, "app.py")
    errors = _shown(app.error)
    assert any(
        text.startswith("The housing data could not be used.") and damaged.name in text
        for text in errors
    ), errors
    assert not any(str(tmp_path) in text for text in errors), errors
    assert any("not a readable gzip file" in text for text in errors), errors
    _assert_way_out(app)


def test_shipped_file_serves_without_geocluster_data(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., AppTest]
) -> None:
    """A fresh clone with no settings and no network: the shipped data is used."""
    monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)
    app = _open(make_app, "pages/explore.py")
    assert not app.error
    captions = [plain(str(caption.value)) for caption in app.sidebar.caption]
    # The shipped file by its path in the project, never the server's full path.
    assert any(caption.startswith("Data: ") for caption in captions), captions
    assert any(caption.endswith(" (data/housing.csv.gz)") for caption in captions), captions
    assert not any(str(data.PROJECT_ROOT) in caption for caption in captions), captions


def _housing_sample(every: int = 40, n_rows: int | None = None) -> tuple[bytes, int]:
    """The header and every ``every``-th row of the census CSV (the first ``n_rows``)."""
    lines = HOUSING_CSV.read_text(encoding="utf-8").splitlines()
    rows = lines[1::every][:n_rows]
    return ("\n".join(lines[:1] + rows) + "\n").encode(), len(rows)


@pytest.mark.slow
def test_uploaded_csv_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    """Without the census data, the user clusters housing.csv as a file of their own."""
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = _open(make_app, "app.py")
    _assert_way_out(app)
    sample, n_rows = _housing_sample()
    upload_on_data_page(app, "housing.csv", sample)
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    captions = texts(app.caption)
    assert any(f"{n_rows:,} places read from housing.csv" in text for text in captions), captions
    app.switch_page(CLUSTERS_PAGE).run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert app.get("deck_gl_json_chart"), "the uploaded data should be clustered and mapped"
    legend = next(t.value for t in app.table if "median" in t.value.columns)
    assert legend["rows"].sum() == n_rows


def test_invalid_upload_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = upload_on_data_page(make_app(), "housing.csv", b"a,b\n1,2\n")
    assert not app.exception, app.exception
    errors = _shown(app.error)
    assert len(errors) == 1, errors
    assert errors[0].startswith("housing.csv cannot be used. No coordinates found"), errors
    assert len(app.get("file_uploader")) == 1  # another file can be uploaded
    app.switch_page(CLUSTERS_PAGE).run()
    assert not app.exception, app.exception
    assert _shown(app.error) == errors  # every page says the same
    assert not app.get("deck_gl_json_chart")


def test_upload_too_small_to_cluster_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    sample, _ = _housing_sample(every=1, n_rows=2)  # two rows: not even k = 2
    app = upload_on_data_page(make_app(), "housing.csv", sample)
    assert not app.exception and not app.error, (app.exception, texts(app.error))
    app.switch_page(CLUSTERS_PAGE).run()
    assert not app.exception, app.exception
    errors = _shown(app.error)
    assert len(errors) == 1, errors
    assert errors[0].startswith("These settings cannot be clustered. The file has 2 places"), errors
    assert not app.get("deck_gl_json_chart")


def test_a_small_upload_is_clustered_up_to_the_k_it_allows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    """Ten rows: k = 15 cannot be fitted, so the k slider stops below 10 and says why."""
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    sample, _ = _housing_sample(every=1, n_rows=10)
    app = upload_on_data_page(make_app(), "housing.csv", sample)
    app.switch_page(CLUSTERS_PAGE).run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    k_max = int(app.slider(key="k").max)
    assert 2 < k_max <= 9  # at most rows - 1 (and distinct rows)
    captions = texts(app.caption)
    assert any(f"k goes up to {k_max} here" in text for text in captions), captions
    assert app.get("deck_gl_json_chart")
