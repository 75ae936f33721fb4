"""Tests of the served-file store (content-addressed, atomic, pruned)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from components.ui.served_files import STATIC_URL_PREFIX, content_name, ensure_file


def test_content_name_is_the_hash_of_the_text() -> None:
    expected = hashlib.sha256(b"[1,2]").hexdigest()[:24] + ".json"
    assert content_name("[1,2]") == expected
    assert content_name("[1,2]") != content_name("[1,3]")
    assert content_name("x", suffix=".txt").endswith(".txt")
    assert STATIC_URL_PREFIX == "app/static/"


def test_ensure_file_writes_once_and_leaves_no_temporary(tmp_path: Path) -> None:
    directory = tmp_path / "maps"  # created on first write
    name = content_name("[1]")
    path = ensure_file(directory, name, "[1]")
    assert path == directory / name and path.read_text(encoding="utf-8") == "[1]"
    assert path.stat().st_mode & 0o777 == 0o644
    first_mtime = path.stat().st_mtime_ns
    # Already there: not rewritten (the content hash names it).
    assert ensure_file(directory, name, "[1]") == path
    assert path.stat().st_mtime_ns == first_mtime
    assert [entry.name for entry in directory.iterdir()] == [name]


def test_ensure_file_rewrites_a_deleted_file(tmp_path: Path) -> None:
    path = ensure_file(tmp_path, "a.json", "[1]")
    path.unlink()
    assert ensure_file(tmp_path, "a.json", "[1]").read_text(encoding="utf-8") == "[1]"


def test_ensure_file_keeps_the_newest_files(tmp_path: Path) -> None:
    for index in range(5):
        path = ensure_file(tmp_path, f"{index}.json", str(index), keep=3)
        os.utime(path, ns=(index * 10**9, index * 10**9))  # distinct, increasing mtimes
    (tmp_path / "notes.txt").write_text("other suffix", encoding="utf-8")
    ensure_file(tmp_path, "5.json", "5", keep=3)
    names = sorted(entry.name for entry in tmp_path.iterdir())
    # 5 is the newest; of the rest, 4 and 3 have the latest mtimes. Other suffixes stay.
    assert names == ["3.json", "4.json", "5.json", "notes.txt"]


def test_ensure_file_rejects_paths_and_bad_keep(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be a plain file name"):
        ensure_file(tmp_path, "../escape.json", "[]")
    with pytest.raises(ValueError, match="must be a plain file name"):
        ensure_file(tmp_path, ".hidden.json", "[]")
    with pytest.raises(ValueError, match=r"keep=0 is out of range"):
        ensure_file(tmp_path, "a.json", "[]", keep=0)
    assert not (tmp_path.parent / "escape.json").exists()
