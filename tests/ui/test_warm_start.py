"""Tests of the server's warm start (components.ui.warm_start) and the malloc arena cap.

Each runs in a child Python: the cap changes the process's allocator for good, and the
warm start's imports are only visible in a process that did not have them already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from components.ui.upload_budget import limit_malloc_arenas

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Counts glibc's malloc arenas (the <heap nr=...> elements of malloc_info's XML) after
# four threads allocated at once, with or without the cap set first.
_COUNT_ARENAS = textwrap.dedent(
    """
    import ctypes, os, re, sys, tempfile, threading
    from components.ui.upload_budget import limit_malloc_arenas
    capped = limit_malloc_arenas(1) if sys.argv[1] == "cap" else False
    barrier = threading.Barrier(4)
    def work():
        blocks = [bytearray(50_000) for _ in range(20)]
        barrier.wait()  # the four threads hold memory at the same time
        del blocks
    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL("libc.so.6")
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = os.path.join(tempfile.mkdtemp(), "malloc.xml")
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(capped, len(re.findall(r"<heap nr=", open(path).read())))
    """
)


def _run(code: str, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_the_arena_cap_keeps_threads_in_one_arena() -> None:
    capped, capped_arenas = _run(_COUNT_ARENAS, "cap").split()
    default, default_arenas = _run(_COUNT_ARENAS, "default").split()
    assert (capped, default) == ("True", "False")
    assert int(capped_arenas) == 1
    assert int(default_arenas) > 1  # the test can tell: threads make arenas of their own


def test_the_arena_cap_refuses_zero() -> None:
    with pytest.raises(ValueError, match="arenas=0 must be at least 1"):
        limit_malloc_arenas(0)


def test_the_warm_start_imports_the_pages_modules() -> None:
    code = textwrap.dedent(
        """
        import sys
        assert "components.ui.cache.views" not in sys.modules
        from components.ui import warm_start
        seconds = warm_start.prepare()
        print(seconds >= 0, "components.ui.cache.views" in sys.modules, "sklearn" in sys.modules)
        """
    )
    assert _run(code) == "True True True"


def test_serve_wraps_the_router_in_an_app_with_the_warm_start() -> None:
    code = textwrap.dedent(
        """
        import streamlit as st
        import serve
        print(isinstance(serve.app, st.App), serve.app.script_path)
        """
    )
    assert _run(code) == "True app.py"


def test_streamlit_s_missing_context_warning_is_dropped_only_from_the_background_worker() -> None:
    import logging

    from components.ui.cache.model import (
        BACKGROUND_THREAD_PREFIX,
        _no_context_warning_from_background,
    )

    def record(thread_name: str, message: str) -> logging.LogRecord:
        entry = logging.LogRecord("streamlit", logging.WARNING, __file__, 1, message, None, None)
        entry.threadName = thread_name
        return entry

    warning = "Thread 'x': missing ScriptRunContext! This warning can be ignored"
    assert not _no_context_warning_from_background(record(f"{BACKGROUND_THREAD_PREFIX}_0", warning))
    assert _no_context_warning_from_background(record("ScriptRunner.scriptThread", warning))
    assert _no_context_warning_from_background(record(f"{BACKGROUND_THREAD_PREFIX}_0", "other"))
