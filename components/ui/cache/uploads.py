"""What users' uploads hold in memory: per session, within a budget, released when they leave.

Streamlit's ``st.cache_data`` / ``st.cache_resource`` are process-wide: an entry stays after
its user leaves until ``max_entries`` pushes it out, and ``cache_data`` keeps a pickled
copy besides the one each caller unpickles. A big upload so left a file-sized copy behind
after its user had gone (BENCHMARKS.md, "Load"). Everything built from an upload is
therefore held in one :class:`~components.ui.upload_budget.BudgetStore`, owned by the
session that uploaded it:

- released ``GEOCLUSTER_SESSION_GRACE_S`` (30) seconds after the session ends (when its
  websocket closes: Streamlit then clears the session-scoped cache of
  :func:`session_owner`, whose ``on_release`` tells the store); a session that reconnects
  within the grace period keeps its file;
- within ``GEOCLUSTER_UPLOAD_BUDGET_MB`` (768 MB) for all sessions together, least
  recently used first;
- evicted early when the process's memory passes ``GEOCLUSTER_RSS_LIMIT_MB`` (2,048 MB,
  under Community Cloud's 2.7 GB); a read or fit that would still take it above
  ``GEOCLUSTER_RSS_REFUSE_MB`` (2,400 MB) is refused with a message instead of started;
- built one at a time (reading and fitting a big file briefly needs several times its
  size), the others waiting with a note.

When a session's entries are released, the file bytes and deferred downloads Streamlit
keeps for that session are dropped too
(:func:`components.ui.streamlit_internals.release_session_files`): Streamlit frees them only
when a session is shut down, which a session that disconnected and expired never is
(Streamlit 1.67's session storage drops it without a shutdown).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar, cast

import streamlit as st

from components.engine.compact import deep_nbytes
from components.engine.upload import PlacesError
from components.ui import streamlit_internals
from components.ui.upload_budget import (
    MB,
    BudgetStore,
    BusyError,
    WorkSlots,
    release_freed_memory,
)

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        _LOGGER.warning("%s=%r is not a number; using %s.", name, text, default)
        return default
    return value if value >= 0 else default


UPLOAD_BUDGET_MB = _env_number("GEOCLUSTER_UPLOAD_BUDGET_MB", 768)
RSS_LIMIT_MB = _env_number("GEOCLUSTER_RSS_LIMIT_MB", 2048)
RSS_REFUSE_MB = _env_number("GEOCLUSTER_RSS_REFUSE_MB", 2400)
GRACE_SECONDS = _env_number("GEOCLUSTER_SESSION_GRACE_S", 30)
WAIT_SECONDS = 600.0  # longest wait for another user's file to be read or fitted
NO_SESSION = "no-session"  # owner of work done outside a session (scripts, bare mode)


STORE = BudgetStore(
    int(UPLOAD_BUDGET_MB * MB),
    rss_limit_bytes=int(RSS_LIMIT_MB * MB) if RSS_LIMIT_MB > 0 else None,
    refuse_above_bytes=int(RSS_REFUSE_MB * MB) if RSS_REFUSE_MB > 0 else None,
    grace_seconds=GRACE_SECONDS,
    on_release=streamlit_internals.release_session_files,
)
SLOTS = WorkSlots(1)


def _session_ended(owner: str) -> None:
    STORE.end_session(owner)


@st.cache_resource(scope="session", on_release=_session_ended, show_spinner=False, max_entries=1)
def _session_owner(session_id: str) -> str:
    # Session-scoped: Streamlit clears it (calling on_release) when the session disconnects.
    STORE.adopt(session_id)
    return session_id


def session_owner() -> str:
    """This session's id, registered so its uploads are released when it ends."""
    session_id = streamlit_internals.session_id()
    return NO_SESSION if session_id is None else _session_owner(session_id)


@contextmanager
def heavy_work(owner: str, group: tuple[str, str], work_bytes: int) -> Iterator[None]:
    """Run a memory-heavy job (read or fit an upload) when its turn comes.

    One job at a time; a waiting user is told why. Before it starts, entries are evicted
    if the job's ``work_bytes`` would take memory over the limit, and the job is refused
    (:class:`BusyError`) if it would still take it over the refusal level; after it, the
    memory it used is given back to the system.
    """
    notes: list[Any] = []

    def waiting() -> None:
        notes.append(st.empty())
        notes[0].info(
            "Another user's file is being read or clustered; yours follows.",
            icon=":material/hourglass_top:",
        )

    with SLOTS.slot(WAIT_SECONDS, on_wait=waiting):
        for note in notes:
            note.empty()
        if not STORE.make_room(owner, group, work_bytes):
            raise BusyError(
                "The server is short of memory right now (other users' work). Try again in a "
                "few minutes, or upload a smaller file."
            )
        try:
            yield
        finally:
            release_freed_memory()


def held(
    key: tuple[Hashable, ...],
    group: tuple[str, str],
    build: Callable[[], T],
    *,
    spinner: str,
    work_bytes: Callable[[], int],
    keep: int,
) -> T:
    """This session's value of ``key``: from the store, or built (a heavy job) and kept.

    Parameters
    ----------
    key : hashable
        What the value is; its first item (a str) is its kind.
    group : (str, str)
        The file it comes from, e.g. ``("places", sha256)``.
    build : callable
        Makes the value.
    spinner : str
        Shown while building.
    work_bytes : callable
        Memory the build briefly needs (see :func:`heavy_work`); 0 for a light value. Asked
        only when the value has to be built.
    keep : int
        How many values of this kind a session keeps (the least recently used go).

    A ``PlacesError`` or ``ValueError`` of the build is kept like a value (re-raised until
    the key changes): a bad file is not read again at every rerun.

    Returns
    -------
    The value (never copied: treat it as read-only).
    """
    owner = session_owner()
    found = STORE.get(owner, key)
    if isinstance(found, Exception):  # a failure kept (no value is an exception)
        raise found.with_traceback(None)
    if found is not None:
        return cast(T, found)
    needed = work_bytes()
    try:
        # A light value (labels, a column) is built at once: waiting for a slot and handing
        # memory back to the system are for the heavy jobs, reading and fitting a file.
        heavy = heavy_work(owner, group, needed) if needed else nullcontext()
        with st.spinner(spinner), heavy:
            value = build()
    except (PlacesError, ValueError) as error:
        STORE.put(owner, key, error, 0, group, keep=keep)
        raise
    STORE.put(owner, key, value, deep_nbytes(value), group, keep=keep)
    return value


def hold_file(digest: str, content: bytes) -> None:
    """Keep a session's file of places (one file: the previous one is released).

    Parameters
    ----------
    digest : str
        sha256 of the bytes.
    content : bytes
        The file.
    """
    owner = session_owner()
    STORE.drop_group(owner, "places", keep=digest)
    STORE.put(owner, ("places file", digest), content, len(content), ("places", digest), keep=1)


def file_bytes(digest: str) -> bytes | None:
    """A file this session keeps, or None when it was released (the user must upload again)."""
    found = STORE.get(session_owner(), ("places file", digest))
    return found if isinstance(found, bytes) else None


def release_files() -> None:
    """Release this session's file of places and everything built from it."""
    STORE.drop_group(session_owner(), "places")
