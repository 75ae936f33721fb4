"""The app's only use of Streamlit beyond its public API.

Everything here reaches into ``streamlit.runtime``, which Streamlit may change in any
release. Each function names what it relies on and why no public API does its job;
``tests/ui/test_streamlit_internals.py`` checks each one against the installed Streamlit,
so an upgrade that changes what it relies on fails there, naming the function (see
"Upgrading Streamlit" in the README). Every other module of the app keeps to the public
API (``import streamlit as st``, ``streamlit.components.v1``...): that test checks this too.
"""

from __future__ import annotations

import logging

# Each import names the functions that need it: an upgrade that moves one fails here first.
from streamlit import runtime  # release_session_files
from streamlit.errors import StreamlitAPIException  # page_link_error
from streamlit.runtime.pages_manager import PagesManager  # legacy_pages_mode
from streamlit.runtime.scriptrunner import get_script_run_ctx  # session_id, remove_uploaded_file
from streamlit.runtime.uploaded_file_manager import DeletedFile  # is_deleted_upload

# The module whose logger warns "missing ScriptRunContext" (a cached function with a
# spinner called outside a script run).
_SCRIPT_RUN_CONTEXT_MODULE = "streamlit.runtime.scriptrunner_utils.script_run_context"


def session_id() -> str | None:
    """The id Streamlit gives the session whose script is running in this thread.

    Returns
    -------
    str or None
        The session's id; None outside a script run (a worker thread, bare mode).

    Notes
    -----
    Relies on ``get_script_run_ctx().session_id``. No public API names the session, and
    :func:`release_session_files` and :func:`remove_uploaded_file` need Streamlit's own id
    (an id the app made up in ``st.session_state`` would not find Streamlit's files).
    """
    context = get_script_run_ctx()
    return None if context is None else context.session_id


def release_session_files(session_id: str) -> None:
    """Drop what Streamlit keeps for an ended session: uploaded bytes, deferred downloads.

    Does nothing while the session is connected (it came back), or without a server
    (AppTest, bare mode).

    Parameters
    ----------
    session_id : str
        The session, as :func:`session_id` gave it.

    Notes
    -----
    Relies on ``runtime.exists()``, ``runtime.get_instance()`` and the instance's
    ``is_active_session``, ``uploaded_file_mgr.remove_session_files``,
    ``media_file_mgr.clear_session_refs`` and ``media_file_mgr.remove_orphaned_files``.
    Streamlit calls these itself only when it shuts a session down, which a session that
    disconnected and expired never is; no public API frees them.
    """
    if not runtime.exists():
        return
    instance = runtime.get_instance()
    if instance.is_active_session(session_id):
        return
    instance.uploaded_file_mgr.remove_session_files(session_id)
    instance.media_file_mgr.clear_session_refs(session_id)
    instance.media_file_mgr.remove_orphaned_files()


def remove_uploaded_file(file_id: str) -> None:
    """Drop Streamlit's copy of a file this session uploaded.

    The uploader keeps showing the file (its widget state is the browser's); its value
    becomes a deleted file (see :func:`is_deleted_upload`) and ``on_change`` runs once more.
    Does nothing outside a script run, or with an upload manager that cannot remove one
    file.

    Parameters
    ----------
    file_id : str
        ``UploadedFile.file_id``.

    Notes
    -----
    Relies on the script run context's ``uploaded_file_mgr.remove_file(session_id,
    file_id)``, a method of ``MemoryUploadedFileManager`` (the server's and AppTest's
    manager; the manager's protocol does not have it). The public API can only empty an
    uploader (a new key), which would also clear what the browser shows.
    """
    context = get_script_run_ctx()
    if context is None:
        return
    remove = getattr(context.uploaded_file_mgr, "remove_file", None)
    if callable(remove):
        remove(context.session_id, file_id)


def is_deleted_upload(value: object) -> bool:
    """Whether an uploader's value in ``st.session_state`` is a file Streamlit no longer has.

    Parameters
    ----------
    value : object
        ``st.session_state[key]`` of a ``st.file_uploader``.

    Returns
    -------
    bool
        True for the value :func:`remove_uploaded_file` leaves behind.

    Notes
    -----
    Relies on ``streamlit.runtime.uploaded_file_manager.DeletedFile``, the value Streamlit
    puts in session state for a file missing from its manager. The uploader itself returns
    None then, which a public check cannot tell from the user removing the file.
    """
    return isinstance(value, DeletedFile)


def legacy_pages_mode() -> bool:
    """Whether Streamlit is running a ``pages/`` script directly, without the router.

    Returns
    -------
    bool
        True while Streamlit's legacy multipage mode is on in this process: a ``pages/``
        folder beside the main script, and ``st.navigation`` not yet called.

    Notes
    -----
    Relies on the class attribute ``PagesManager.uses_pages_directory``, the one place
    Streamlit keeps this mode (``st.navigation`` sets it to False). No public API tells a
    page whether the router ran it. Read with a default, so a Streamlit without the
    attribute counts as routed (the adapter's test fails on it first).
    """
    return getattr(PagesManager, "uses_pages_directory", False) is True


def missing_context_logger() -> logging.Logger:
    """The logger on which Streamlit warns "missing ScriptRunContext".

    Returns
    -------
    logging.Logger
        The logger to give a filter that drops the warning where it is expected.

    Notes
    -----
    Relies on the warning's logger being named after Streamlit's module
    ``streamlit.runtime.scriptrunner_utils.script_run_context``. A logger's filter sees
    only records logged on that very logger, and no public option silences this one
    warning without the rest of Streamlit's log.
    """
    return logging.getLogger(_SCRIPT_RUN_CONTEXT_MODULE)


def page_link_error() -> type[Exception]:
    """The exception ``st.page_link`` raises for a page that no router run has listed.

    A page script run on its own (an AppTest of one page, a page opened before the router
    ran) cannot link to the other pages; the caller then names the page in words.

    Returns
    -------
    type
        ``streamlit.errors.StreamlitAPIException``.

    Notes
    -----
    ``streamlit.errors`` is not among the modules Streamlit documents as API, and no public
    function tells whether a page is listed by ``st.navigation``.
    """
    return StreamlitAPIException
