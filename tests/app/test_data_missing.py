"""When the data cannot be had, the pages say how to provide it and never raise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import HOUSING_CSV, texts
from streamlit.testing.v1 import AppTest

from components.engine import data
from tests.hostile.catalogue import plain
from tests.markdown_shown import shown

PAGES = ["app.py", "pages/explore.py"]


@pytest.mark.parametrize("script", PAGES)
def test_data_env_var_pointing_to_a_missing_file(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    make_app: Callable[..., AppTest],
    script: str,
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app(script)
    app.run()
    assert not app.exception, app.exception
    errors = [plain(text) for text in texts(app.error)]
    assert any("GEOCLUSTER_DATA" in text and "nowhere.csv" in text for text in errors), errors
    assert not any(str(tmp_path) in text for text in errors), errors  # the name, not the path
    assert len(app.get("file_uploader")) == 1
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
    app = make_app(script)
    app.run()
    assert not app.exception, app.exception
    errors = [plain(text) for text in texts(app.error)]
    assert any("is missing" in text and "housing.csv.gz" in text for text in errors), errors
    assert len(app.get("file_uploader")) == 1


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
    app = make_app("pages/explore.py")
    app.run()
    assert not app.exception, app.exception
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


def test_damaged_shipped_file_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    damaged = tmp_path / "housing.csv.gz"
    raw = data.SHIPPED_DATA_PATH.read_bytes()
    damaged.write_bytes(raw[: len(raw) // 3])  # an interrupted copy
    monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)
    monkeypatch.setattr(data, "SHIPPED_DATA_PATH", damaged)
    app = make_app()
    app.run()
    assert not app.exception, app.exception
    errors = [plain(text) for text in texts(app.error)]
    assert any("could not be used" in text and damaged.name in text for text in errors), errors
    assert not any(str(tmp_path) in text for text in errors), errors
    assert any("not a readable gzip file" in text for text in errors), errors
    assert len(app.get("file_uploader")) == 1


def test_shipped_file_serves_without_geocluster_data(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., AppTest]
) -> None:
    """A fresh clone with no settings and no network: the shipped data is used."""
    monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)
    app = make_app("pages/explore.py")
    app.run()
    assert not app.exception, app.exception
    assert not app.error
    captions = [plain(str(caption.value)) for caption in app.sidebar.caption]
    assert "Data: data/housing.csv.gz" in captions, captions  # never the server's full path
    assert not any(str(data.PROJECT_ROOT) in caption for caption in captions), captions


@pytest.mark.slow
def test_uploaded_csv_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app()
    app.run()
    lines = HOUSING_CSV.read_text(encoding="utf-8").splitlines()
    sample = "\n".join(lines[:1] + lines[1::40]) + "\n"  # header + every 40th row
    app.get("file_uploader")[0].upload("housing.csv", sample.encode(), "text/csv").run()
    assert not app.exception, app.exception
    assert not app.error
    assert app.get("deck_gl_json_chart"), "the uploaded data should be clustered and mapped"
    legend = next(t.value for t in app.dataframe if "colour" in t.value.columns)
    assert legend["rows"].sum() == len(lines[1::40])


def test_invalid_upload_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app()
    app.run()
    app.get("file_uploader")[0].upload("housing.csv", b"a,b\n1,2\n", "text/csv").run()
    assert not app.exception, app.exception
    errors = texts(app.error)
    assert any("Missing required column" in text for text in errors), errors
    assert len(app.get("file_uploader")) == 1


def test_upload_too_small_to_cluster_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app()
    app.run()
    lines = HOUSING_CSV.read_text(encoding="utf-8").splitlines()
    sample = "\n".join(lines[:11]) + "\n"  # ten rows: k = 15 cannot be fitted
    app.get("file_uploader")[0].upload("housing.csv", sample.encode(), "text/csv").run()
    assert not app.exception, app.exception
    errors = texts(app.error)
    assert any("cannot be clustered" in text for text in errors), errors
