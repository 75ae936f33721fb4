"""Tests of the served folders (written once, atomically, pruned)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from components.ui.served_files import STATIC_URL_PREFIX, ensure_folder, prune_folders


def test_a_folder_is_written_once_and_leaves_no_temporary(tmp_path: Path) -> None:
    calls: list[int] = []

    def files() -> dict[str, bytes]:
        calls.append(1)
        return {"0/0/0.json": b"[]", "levels.json": b"{}"}

    folder = ensure_folder(tmp_path / "lod", "m1", files)
    assert (folder / "0" / "0" / "0.json").read_bytes() == b"[]"
    assert ensure_folder(tmp_path / "lod", "m1", files) == folder
    assert calls == [1]  # the second call found the folder
    assert [entry.name for entry in (tmp_path / "lod").iterdir()] == ["m1"]
    assert oct(folder.stat().st_mode & 0o777) == oct(0o755)  # served: readable by all
    assert STATIC_URL_PREFIX == "app/static/"


def test_sessions_asking_at_once_for_a_missing_folder_write_it_once(tmp_path: Path) -> None:
    calls: list[int] = []
    writing, release = threading.Event(), threading.Event()

    def files() -> dict[str, bytes]:
        calls.append(1)
        writing.set()
        release.wait(timeout=30)
        return {"levels.json": b"{}"}

    def ask() -> None:
        ensure_folder(tmp_path / "lod", "m1", files)

    first = threading.Thread(target=ask)
    first.start()
    assert writing.wait(timeout=30)
    others = [threading.Thread(target=ask) for _ in range(4)]
    for thread in others:
        thread.start()
    # The others reach the folder while the first still writes it; without a lock each
    # would call files() now.
    for thread in others:
        thread.join(timeout=0.5)
    release.set()
    for thread in (first, *others):
        thread.join(timeout=30)
    assert calls == [1]
    assert (tmp_path / "lod" / "m1" / "levels.json").read_bytes() == b"{}"


@pytest.mark.parametrize("relative", ["../escape.json", "/etc/passwd", ""])
def test_a_file_outside_the_folder_is_refused_and_nothing_is_left(
    tmp_path: Path, relative: str
) -> None:
    with pytest.raises(ValueError, match="must be a path inside the folder"):
        ensure_folder(tmp_path, "m2", lambda: {relative: b"x"})
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["../up", ".hidden", "a/b"])
def test_only_a_plain_folder_name_is_taken(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="plain folder name"):
        ensure_folder(tmp_path, name, dict)


def test_pruning_keeps_the_newest_folders_and_those_being_written(tmp_path: Path) -> None:
    for index in range(5):
        folder = ensure_folder(tmp_path, f"m{index}", lambda: {"a.json": b"1"})
        os.utime(folder, ns=(index * 10**9, index * 10**9))
    (tmp_path / ".being-written.tmp").mkdir()
    prune_folders(tmp_path, keep=2)
    assert sorted(entry.name for entry in tmp_path.iterdir()) == [".being-written.tmp", "m3", "m4"]
    with pytest.raises(ValueError, match="keep=0"):
        prune_folders(tmp_path, keep=0)
