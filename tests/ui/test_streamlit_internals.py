"""What ``components/ui/streamlit_internals.py`` relies on, checked against the installed Streamlit.

Run this file first after changing Streamlit's pin ("Upgrading Streamlit" in the README):
each test drives one adapter function against the real Streamlit (its runtime, its
managers, an AppTest), and a failure names that function. The last tests check that no
other module of the app reaches past Streamlit's public API.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import re
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

# Should Streamlit move what the adapter imports, this import fails on the adapter's line,
# which names the functions that need it. Streamlit's internals that only this test uses
# are imported inside the tests, where a failure names the function it checks.
from components.ui import streamlit_internals

if TYPE_CHECKING:
    from streamlit.runtime import Runtime

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ADAPTER = PROJECT_ROOT / "components" / "ui" / "streamlit_internals.py"
# The app's code: what the adapter keeps from Streamlit's internals. Tests and benchmarks
# may drive Streamlit's internals to check or measure it.
APP_CODE = ("components", "pages", "app.py", "serve.py")
# Modules of Streamlit that its documentation gives as API (beside ``import streamlit``).
PUBLIC_MODULES = frozenset(
    {
        "streamlit",
        "streamlit.column_config",
        "streamlit.components.v1",
        "streamlit.components.v2",
        "streamlit.connections",
        "streamlit.testing.v1",
    }
)


@contextmanager
def relied_on_by(function: str) -> Iterator[None]:
    """Turn any failure inside into one that names the adapter function at stake."""
    try:
        yield
    except Exception as error:
        pytest.fail(
            f"streamlit_internals.{function} no longer works with Streamlit "
            f"{streamlit.__version__} (read its docstring; see 'Upgrading Streamlit' in the "
            f"README): {type(error).__name__}: {error}"
        )


# ------------------------------------------------------------------------ signatures


_MGR = "streamlit.runtime.media_file_manager.MediaFileManager"
_UPLOADS = "streamlit.runtime.memory_uploaded_file_manager.MemoryUploadedFileManager"


@pytest.mark.parametrize(
    ("function", "name", "parameters"),
    [
        ("release_session_files", "streamlit.runtime.exists", []),
        ("release_session_files", "streamlit.runtime.get_instance", []),
        (
            "release_session_files",
            "streamlit.runtime.Runtime.is_active_session",
            ["self", "session_id"],
        ),
        ("release_session_files", f"{_UPLOADS}.remove_session_files", ["self", "session_id"]),
        ("release_session_files", f"{_MGR}.clear_session_refs", ["self", "session_id"]),
        ("release_session_files", f"{_MGR}.remove_orphaned_files", ["self"]),
        ("remove_uploaded_file", f"{_UPLOADS}.remove_file", ["self", "session_id", "file_id"]),
        ("session_id", "streamlit.runtime.scriptrunner.get_script_run_ctx", ["suppress_warning"]),
    ],
)
def test_what_the_adapter_calls_takes_the_same_parameters(
    function: str, name: str, parameters: list[str]
) -> None:
    with relied_on_by(function):
        found = _resolve(name)
        assert callable(found), f"{name} is gone"
        taken = list(inspect.signature(found).parameters)
        assert taken == parameters, f"{name} takes {taken}, not {parameters}"


@pytest.mark.parametrize(
    ("function", "name"),
    [
        ("release_session_files", "streamlit.runtime.Runtime.uploaded_file_mgr"),
        ("release_session_files", "streamlit.runtime.Runtime.media_file_mgr"),
        ("session_id", "streamlit.runtime.scriptrunner.ScriptRunContext.session_id"),
        (
            "remove_uploaded_file",
            "streamlit.runtime.scriptrunner.ScriptRunContext.uploaded_file_mgr",
        ),
        ("is_deleted_upload", "streamlit.runtime.uploaded_file_manager.DeletedFile"),
        ("legacy_pages_mode", "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory"),
    ],
)
def test_what_the_adapter_reads_is_there(function: str, name: str) -> None:
    with relied_on_by(function):
        parent_name, attribute = name.rsplit(".", 1)
        parent = _resolve(parent_name)
        fields = getattr(parent, "__dataclass_fields__", {})  # ScriptRunContext's
        assert parent is not None and (attribute in vars(parent) or attribute in fields), (
            f"{name} is gone"
        )


# --------------------------------------------------------------------- the session


def _session_script() -> None:
    import streamlit as st

    from components.ui import streamlit_internals

    st.session_state["session_id"] = streamlit_internals.session_id()


def test_session_id_is_the_running_session_s_and_none_outside_a_run() -> None:
    with relied_on_by("session_id"):
        app = AppTest.from_function(_session_script)
        app.run()
        assert not app.exception, app.exception
        found = app.session_state["session_id"]
        assert isinstance(found, str) and found, found
        assert streamlit_internals.session_id() is None  # this thread runs no script


# ------------------------------------------------------------- an ended session's files


@pytest.fixture
def server_runtime() -> Iterator[Runtime]:
    """A real (not started) Streamlit runtime with in-memory file managers, as a server has."""
    with relied_on_by("release_session_files"):
        from streamlit import runtime
        from streamlit.runtime import Runtime, RuntimeConfig
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

        assert not runtime.exists(), "a Streamlit runtime was left behind in this process"
        made = Runtime(
            RuntimeConfig(
                script_path=str(PROJECT_ROOT / "app.py"),
                media_file_storage=MemoryMediaFileStorage("/media"),
                uploaded_file_manager=MemoryUploadedFileManager("/_stcore/upload_file"),
            )
        )
    try:
        yield made
    finally:
        Runtime._instance = None  # the singleton: later tests run without a server


def _files_of(
    session: str, instance: Runtime, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, str]:
    """Give ``session`` an upload, a media file and a deferred download; return their ids."""
    from streamlit.runtime import media_file_manager
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    uploads = instance.uploaded_file_mgr
    assert isinstance(uploads, MemoryUploadedFileManager)  # the server's
    uploads.add_file(
        session, UploadedFileRec(f"upload-{session}", "places.csv", "text/csv", b"lat,lng\n")
    )
    # The media manager takes the session from the running script; here there is none.
    monkeypatch.setattr(media_file_manager, "_get_session_id", lambda: session)
    url = instance.media_file_mgr.add(f"bytes of {session}".encode(), "text/plain", "1.0")
    media_id = url.rsplit("/", 1)[1].split(".")[0]
    deferred_id = instance.media_file_mgr.add_deferred(lambda: b"rows", "text/csv", "1.1")
    return f"upload-{session}", media_id, deferred_id


def _held(session: str, ids: tuple[str, str, str], instance: Runtime) -> dict[str, bool]:
    """Which of :func:`_files_of`'s files Streamlit still holds."""
    from streamlit.runtime.media_file_storage import MediaFileStorageError

    upload_id, media_id, deferred_id = ids
    try:
        instance.media_file_mgr.execute_deferred(deferred_id)
        deferred = True
    except MediaFileStorageError:
        deferred = False
    return {
        "upload": bool(instance.uploaded_file_mgr.get_files(session, [upload_id])),
        "media": instance.media_file_mgr.read_file(media_id) is not None,
        "deferred download": deferred,
    }


def test_release_session_files_frees_an_ended_session_s_uploads_and_downloads(
    server_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with relied_on_by("release_session_files"):
        gone = _files_of("gone", server_runtime, monkeypatch)
        other = _files_of("other", server_runtime, monkeypatch)
        everything = {"upload": True, "media": True, "deferred download": True}
        assert _held("gone", gone, server_runtime) == everything
        assert not server_runtime.is_active_session("gone")
        streamlit_internals.release_session_files("gone")
        nothing = {"upload": False, "media": False, "deferred download": False}
        assert _held("gone", gone, server_runtime) == nothing
        assert _held("other", other, server_runtime) == everything  # other sessions keep theirs


def test_release_session_files_keeps_a_connected_session_s_files(
    server_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with relied_on_by("release_session_files"):
        back = _files_of("back", server_runtime, monkeypatch)
        # Connecting a real session needs a running server; the answer is what matters.
        monkeypatch.setattr(server_runtime, "is_active_session", lambda session: True)
        streamlit_internals.release_session_files("back")
        assert all(_held("back", back, server_runtime).values())


def test_release_session_files_without_a_server_does_nothing() -> None:
    with relied_on_by("release_session_files"):
        from streamlit import runtime

        assert not runtime.exists()
        streamlit_internals.release_session_files("any session")


# ------------------------------------------------------------------- the uploader's copy


def _uploader_script() -> None:
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from components.ui import streamlit_internals

    def on_change() -> None:
        value = st.session_state["upload"]
        seen = st.session_state.setdefault("seen", [])
        seen.append("deleted" if streamlit_internals.is_deleted_upload(value) else "file")
        if value is not None and not streamlit_internals.is_deleted_upload(value):
            streamlit_internals.remove_uploaded_file(value.file_id)
            context = get_script_run_ctx()
            assert context is not None
            held = context.uploaded_file_mgr.get_files(context.session_id, [value.file_id])
            st.session_state["held after removal"] = len(held)

    returned = st.file_uploader("File", key="upload", on_change=on_change)
    st.session_state["returned"] = None if returned is None else returned.name


def test_remove_uploaded_file_drops_streamlit_s_copy_and_is_deleted_upload_tells_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with relied_on_by("remove_uploaded_file"):
        app = AppTest.from_function(_uploader_script)
        app.run()
        app.file_uploader[0].set_value(("places.csv", b"lat,lng\n1,2\n", "text/csv")).run()
        assert not app.exception, app.exception
        assert app.session_state["held after removal"] == 0
        assert app.session_state["returned"] == "places.csv"  # this run still has the file
    with relied_on_by("is_deleted_upload"):
        # A server asks its manager for the file at the next run; AppTest would register
        # the bytes again first, so it is told not to.
        monkeypatch.setattr(AppTest, "_register_uploaded_files", lambda self, runner: None)
        app.run()
        assert not app.exception, app.exception
        # The value changed (a file, then a deleted one): on_change ran once more.
        assert app.session_state["seen"] == ["file", "deleted"]
        assert app.session_state["returned"] is None
        assert not streamlit_internals.is_deleted_upload(None)


def test_remove_uploaded_file_outside_a_run_does_nothing() -> None:
    with relied_on_by("remove_uploaded_file"):
        streamlit_internals.remove_uploaded_file("no such file")


# ---------------------------------------------------------------- the legacy pages mode


_LEGACY_MAIN = """
import streamlit as st

from components.ui import streamlit_internals

st.session_state["before navigation"] = streamlit_internals.legacy_pages_mode()
st.navigation([st.Page("pages/other.py", default=True)], position="hidden")
st.session_state["after navigation"] = streamlit_internals.legacy_pages_mode()
"""


def test_legacy_pages_mode_is_on_beside_a_pages_folder_until_st_navigation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with relied_on_by("legacy_pages_mode"):
        from streamlit.runtime.pages_manager import PagesManager

        # AppTest resets the class attribute at every run; it is put back after the test too.
        mode = PagesManager.uses_pages_directory
        monkeypatch.setattr(PagesManager, "uses_pages_directory", mode)
        (tmp_path / "pages").mkdir()
        (tmp_path / "pages" / "other.py").write_text("import streamlit as st\n")
        (tmp_path / "app.py").write_text(textwrap.dedent(_LEGACY_MAIN))
        app = AppTest.from_file(str(tmp_path / "app.py"))
        app.run()
        assert not app.exception, app.exception
        assert app.session_state["before navigation"] is True
        assert app.session_state["after navigation"] is False


def test_legacy_pages_mode_is_off_without_a_pages_folder(tmp_path: Path) -> None:
    with relied_on_by("legacy_pages_mode"):
        (tmp_path / "app.py").write_text(
            "import streamlit as st\n\nfrom components.ui import streamlit_internals\n\n"
            'st.session_state["mode"] = streamlit_internals.legacy_pages_mode()\n'
        )
        app = AppTest.from_file(str(tmp_path / "app.py"))
        app.run()
        assert not app.exception, app.exception
        assert app.session_state["mode"] is False


# --------------------------------------------------------- the missing-context warning


def _page_link_script() -> None:
    import streamlit as st

    from components.ui import streamlit_internals

    try:
        st.page_link("pages/nowhere.py", label="Nowhere")
    except streamlit_internals.page_link_error() as error:
        st.session_state["caught"] = type(error).__name__


def test_page_link_error_is_what_a_link_to_an_unlisted_page_raises() -> None:
    with relied_on_by("page_link_error"):
        app = AppTest.from_function(_page_link_script)
        app.run()
        assert not app.exception, app.exception
        assert app.session_state["caught"]  # the link raised what the adapter names


def test_missing_context_logger_is_where_streamlit_warns_of_a_missing_context() -> None:
    seen: list[str] = []

    def record(entry: logging.LogRecord) -> bool:
        if entry.threadName == "adapter-test-worker":
            seen.append(entry.getMessage())
        return False  # and keep the test's output quiet

    @streamlit.cache_resource(show_spinner="Working…")
    def cached_with_a_spinner(value: int) -> int:
        return value

    logger = streamlit_internals.missing_context_logger()
    logger.addFilter(record)
    try:
        with relied_on_by("missing_context_logger"):
            worker = threading.Thread(
                target=cached_with_a_spinner, args=(1,), name="adapter-test-worker"
            )
            worker.start()
            worker.join()
            assert any("missing ScriptRunContext" in message for message in seen), seen
    finally:
        logger.removeFilter(record)
        cached_with_a_spinner.clear()


# -------------------------------------------------------------- nobody else reaches in


def _resolve(dotted: str) -> object:
    """What ``streamlit.a.b`` is, looked up as ``st.a.b`` (then as a module), or None."""
    found: object = streamlit
    for part in dotted.split(".")[1:]:
        parent = found
        found = getattr(parent, part, None)
        if found is None and inspect.ismodule(parent):
            try:
                found = importlib.import_module(f"{parent.__name__}.{part}")
            except ImportError:
                return None
    return found


def _is_public(dotted: str) -> bool:
    """Whether ``streamlit.<...>`` is public: no private part, no module beyond the public ones.

    ``streamlit.components`` counts as public on the way to ``streamlit.components.v1``.
    """
    parts = dotted.split(".")
    for cut in range(2, len(parts) + 1):
        prefix = ".".join(parts[:cut])
        if parts[cut - 1].startswith("_"):
            return False
        if not inspect.ismodule(_resolve(prefix)):
            return True  # a function or class of a public module: its attributes are its own
        if prefix not in PUBLIC_MODULES and not any(
            public.startswith(f"{prefix}.") for public in PUBLIC_MODULES
        ):
            return False
    return True


_MODULE_NAME = re.compile(r"streamlit(\.\w+)+")


def _private_uses(path: Path) -> list[str]:
    """Uses of Streamlit beyond its public API in one file: imports, attributes, names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.name.split(".")[0] == "streamlit":
                    aliases.add(name.asname or "streamlit")
                    if name.name != "streamlit" and name.name not in PUBLIC_MODULES:
                        found.append(f"line {node.lineno}: import {name.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            for name in node.names:
                if not _is_public(f"{node.module}.{name.name}"):
                    found.append(f"line {node.lineno}: from {node.module} import {name.name}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MODULE_NAME.fullmatch(node.value)  # a module named in a string: a logger's
            and not _is_public(node.value)
        ):
            found.append(f"line {node.lineno}: {node.value!r}")
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        chain = _attribute_chain(node)
        if chain and chain[0] in aliases and not _is_public(".".join(["streamlit", *chain[1:]])):
            found.append(f"line {node.lineno}: {'.'.join(chain)}")
    return sorted(found)


def _attribute_chain(node: ast.Attribute) -> list[str]:
    """``st.a.b`` as ``["st", "a", "b"]``; [] when the chain does not start at a name."""
    names: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        names.append(current.attr)
        current = current.value
    return [current.id, *reversed(names)] if isinstance(current, ast.Name) else []


def _app_files() -> list[Path]:
    files: list[Path] = []
    for entry in APP_CODE:
        path = PROJECT_ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def test_only_the_adapter_reaches_past_streamlit_s_public_api() -> None:
    files = _app_files()
    assert ADAPTER in files and PROJECT_ROOT / "app.py" in files
    offences = {
        str(path.relative_to(PROJECT_ROOT)): uses
        for path in files
        if path != ADAPTER and (uses := _private_uses(path))
    }
    assert not offences, (
        "Only components/ui/streamlit_internals.py may use Streamlit beyond its public API; "
        f"move these there (a small function, tested in this file): {offences}"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import streamlit as st\nst.write(1)\nst.navigation([])\n", []),
        ("import streamlit as st\nst.column_config.NumberColumn('x')\n", []),
        ("from streamlit import navigation\n", []),
        ("import streamlit.components.v1 as components\n", []),
        ("from streamlit import runtime\n", ["from streamlit import runtime"]),
        ("from streamlit.runtime.scriptrunner import get_script_run_ctx\n", ["get_script_run_ctx"]),
        ("import streamlit.runtime\n", ["import streamlit.runtime"]),
        ("import streamlit as st\nst.runtime.exists()\n", ["st.runtime.exists"]),
        ("import streamlit as st\nst._main\n", ["st._main"]),
        ('NAME = "streamlit.runtime.state"\n', ["'streamlit.runtime.state'"]),
        ("def f():\n    from streamlit.proto import ForwardMsg_pb2\n", ["ForwardMsg_pb2"]),
    ],
)
def test_the_check_finds_a_private_use(tmp_path: Path, source: str, expected: list[str]) -> None:
    path = tmp_path / "module.py"
    path.write_text(source)
    found = _private_uses(path)
    assert len(found) == len(expected), found
    for text, part in zip(found, expected, strict=True):
        assert part in text, (part, found)


def test_the_adapter_itself_is_seen_to_reach_in() -> None:
    # The check would otherwise pass for a reason that has nothing to do with the app.
    assert _private_uses(ADAPTER)
