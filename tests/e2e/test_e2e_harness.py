"""The browser harness itself: loopback checks, server start/stop, console filtering."""

from __future__ import annotations

import socket
from pathlib import Path

import harness
import pytest
from conftest import is_benign

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8501", True),
        ("http://127.5.6.7:80/x", True),
        ("http://localhost:8501/", True),
        ("http://[::1]:8501", True),
        ("http://10.0.0.1:8501", False),
        ("https://example.org", False),
        ("http://localhost.example.org", False),
        ("not a url", False),
    ],
)
def test_is_loopback_url(url: str, expected: bool) -> None:
    assert harness.is_loopback_url(url) is expected


def test_free_loopback_port_can_be_bound() -> None:
    port = harness.free_loopback_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_given_url_must_be_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(harness.URL_ENV_VAR, "http://192.0.2.1:8501")
    with pytest.raises(ValueError, match="not a loopback address"), harness.app_url():
        pass


def test_given_url_is_used_without_starting_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(harness.URL_ENV_VAR, "http://127.0.0.1:9/")
    with harness.app_url(app="does-not-exist.py") as url:
        assert url == "http://127.0.0.1:9"


def test_server_that_crashes_reports_its_output(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import streamlit\n")
    with pytest.raises(RuntimeError, match=r"(?s)exited with code.*No such option"):
        harness.start_streamlit(
            "broken.py", cwd=tmp_path, timeout_s=30, extra_args=("--no-such-option",)
        )


def test_server_starts_answers_and_stops(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text("import streamlit as st\nst.write('hello')\n")
    server = harness.start_streamlit("hello.py", cwd=tmp_path)
    try:
        assert harness.is_loopback_url(server.url)
        assert harness._health_ok(server.url)
    finally:
        harness.stop_streamlit(server)
    assert server.process.returncode is not None
    assert not harness._health_ok(server.url)


def test_missing_app_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.py"):
        harness.start_streamlit("nope.py", cwd=tmp_path)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            "console.error: Failed to load resource: net::ERR_FAILED "
            "(at https://tiles.basemaps.cartocdn.com/a.png)",
            True,
        ),
        (
            "console.error: Failed to load resource: the server responded with a status "
            "of 500 () (at http://127.0.0.1:8501/_stcore/x)",
            False,
        ),
        ("console.error: TypeError: x is undefined (at https://cdn.example.org/a.js)", False),
        (
            "console.error: Failed to load resource: the server responded with a status of "
            "404 (Not Found) (at http://127.0.0.1:8501/explore/_stcore/health)",
            True,
        ),
        (
            "console.error: Failed to load resource: the server responded with a status of "
            "404 (Not Found) (at http://127.0.0.1:8501/_stcore/health)",
            False,
        ),
        ("pageerror: Error: boom", False),
    ],
)
def test_only_outside_failures_and_base_path_probes_are_benign(error: str, expected: bool) -> None:
    assert is_benign(error) is expected
