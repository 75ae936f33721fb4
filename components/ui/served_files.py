"""Folders the browser fetches by URL (Streamlit's static file serving), written once.

Pure Python (no Streamlit). The cluster map's tiles and the base map are the largest
things the app sends; written here under a name derived from what they hold, the browser
loads them once per model instead of receiving them over the websocket on every rerun.
A folder never changes once written, several server processes can share the static
folder, and an old URL never shows new data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

# Streamlit serves <folder of app.py>/static/<path> at app/static/<path>.
STATIC_URL_PREFIX = "app/static/"

# Sessions that ask at once for a missing folder (every visitor of a new model, released
# together by the model's cache) wait for one of them to write it: each writing its own
# copy would hold that many copies of the files in memory at once. Striped, so the locks
# are bounded however many folders are made.
_WRITE_LOCKS = tuple(threading.Lock() for _ in range(64))


def ensure_folder(directory: Path, name: str, files: Callable[[], Mapping[str, bytes]]) -> Path:
    """Create the folder ``directory / name`` holding ``files()`` unless it is there.

    The folder is filled under a temporary name and then renamed, so a browser never
    sees half of it; ``files`` is only called when the folder is missing (it may be
    slow: the outline's tiles are drawn by it).

    Parameters
    ----------
    directory : pathlib.Path
        Parent folder (created if missing).
    name : str
        The folder's name, normally derived from what it holds.
    files : callable
        Returns the files' relative paths ("a/b.png", forward slashes, no "..") and bytes.

    Returns
    -------
    pathlib.Path
        The folder's path.
    """
    if Path(name).name != name or name.startswith("."):
        raise ValueError(f"name={name!r} must be a plain folder name.")
    target = directory / name
    if target.is_dir():
        return target
    with _WRITE_LOCKS[hash(target) % len(_WRITE_LOCKS)]:
        if not target.is_dir():  # not written meanwhile by the session holding the lock
            _write_folder(directory, target, files)
    return target


def _write_folder(directory: Path, target: Path, files: Callable[[], Mapping[str, bytes]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=directory, prefix=".", suffix=".tmp"))
    try:
        for relative, content in files().items():
            parts = Path(relative).parts
            if Path(relative).is_absolute() or ".." in parts or not parts:
                raise ValueError(f"relative={relative!r} must be a path inside the folder.")
            path = temporary.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        # mkdtemp makes the folder private; the files are public by design (served).
        for folder, _, _ in os.walk(temporary):
            os.chmod(folder, 0o755)
        try:
            os.rename(temporary, target)
        except OSError:
            if not target.is_dir():  # not another process that made it first
                raise
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def prune_folders(directory: Path, *, keep: int) -> None:
    """Delete the folders of ``directory`` beyond the ``keep`` most recently made.

    Parameters
    ----------
    directory : pathlib.Path
        Parent of the folders (those starting with "." are being written: kept).
    keep : int
        How many to keep, at least 1.
    """
    if keep < 1:
        raise ValueError(f"keep={keep} is out of range; expected at least 1.")
    folders = []
    for entry in os.scandir(directory):
        if entry.is_dir() and not entry.name.startswith("."):
            try:
                folders.append((entry.stat().st_mtime_ns, entry.path))
            except FileNotFoundError:  # removed meanwhile by another server process
                continue
    for _, stale in sorted(folders, reverse=True)[keep:]:
        shutil.rmtree(stale, ignore_errors=True)
