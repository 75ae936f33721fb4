"""Tests of the upload memory budget (components.ui.upload_budget), without Streamlit.

The store never holds more than its budget, releases a session's entries once it has ended
(after the grace period, unless it came back), and evicts under memory pressure; the work
slots admit one heavy job at a time. Clocks and the resident-memory reading are fakes.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from components.ui.upload_budget import (
    MB,
    BudgetStore,
    BusyError,
    WorkSlots,
    process_rss_bytes,
    release_freed_memory,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _store(budget: int = 100, **options: object) -> BudgetStore:
    options.setdefault("trim", lambda: None)
    options.setdefault("rss", lambda: None)
    return BudgetStore(budget, **options)  # type: ignore[arg-type]


def _put(store: BudgetStore, owner: str, name: str, nbytes: int, file: str = "f") -> None:
    store.put(owner, ("value", name), f"{owner}/{name}", nbytes, ("places", file))


def _held(store: BudgetStore, owner: str) -> list[str]:
    return sorted(str(key[1]) for key in store.keys(owner))


def test_the_store_never_holds_more_than_its_budget() -> None:
    store = _store(budget=1_000)
    rng = np.random.default_rng(0)
    for step in range(500):
        owner = f"session{rng.integers(0, 7)}"
        _put(store, owner, f"v{step}", int(rng.integers(1, 400)), file=str(rng.integers(0, 3)))
        assert store.total_bytes <= 1_000
    assert len(store) < 500  # some were evicted


def test_one_entry_above_the_budget_is_kept_alone() -> None:
    store = _store(budget=100)
    _put(store, "s1", "a", 60)
    _put(store, "s2", "a", 500)
    assert store.get("s2", ("value", "a")) == "s2/a"
    assert store.get("s1", ("value", "a")) is None
    assert len(store) == 1


def test_eviction_is_least_recently_used_other_sessions_first() -> None:
    store = _store(budget=100)
    _put(store, "s1", "a", 30)
    _put(store, "s1", "b", 30)
    _put(store, "s2", "a", 30)
    assert store.get("s1", ("value", "a")) == "s1/a"  # now more recent than s1/b
    _put(store, "s1", "c", 30)  # 120 > 100: s2's entry goes first, though it is newer
    assert store.get("s2", ("value", "a")) is None
    assert _held(store, "s1") == ["a", "b", "c"]
    _put(store, "s1", "d", 30)  # only s1 left: its least recently used entry goes
    assert _held(store, "s1") == ["a", "c", "d"]


def test_entries_of_ended_sessions_go_first() -> None:
    store = _store(budget=100, grace_seconds=60)
    _put(store, "gone", "a", 40)
    _put(store, "here", "a", 40)
    store.end_session("gone")
    assert store.ended_owners() == {"gone"}
    assert store.get("here", ("value", "a")) is not None
    _put(store, "here", "b", 40)  # over: the ended session's entry goes, not "here"'s older one
    assert store.get("gone", ("value", "a")) is None
    assert _held(store, "here") == ["a", "b"]


def test_a_session_is_released_after_the_grace_period_unless_it_comes_back() -> None:
    clock = Clock()
    released: list[str] = []
    store = _store(budget=10 * MB, grace_seconds=30, clock=clock, on_release=released.append)
    _put(store, "s1", "a", MB)
    _put(store, "s2", "a", MB)
    _put(store, "s3", "a", MB)
    store.end_session("s1")
    store.end_session("s2")
    clock.now += 10
    assert store.reap() == set()  # within the grace period
    store.adopt("s2")  # reconnected
    clock.now += 25
    assert store.reap() == {"s1"}
    assert released == ["s1"]
    assert store.get("s1", ("value", "a")) is None
    assert store.get("s2", ("value", "a")) == "s2/a"
    assert store.owners() == {"s2", "s3"} and store.total_bytes == 2 * MB


def test_an_ended_session_is_released_by_a_timer_without_further_activity() -> None:
    released = threading.Event()
    store = _store(budget=100, grace_seconds=0.05, on_release=lambda owner: released.set())
    _put(store, "s1", "a", 10)
    store.end_session("s1")
    assert released.wait(timeout=10)
    assert len(store) == 0 and store.total_bytes == 0


def test_zero_grace_releases_at_once_and_a_failing_hook_still_releases() -> None:
    def failing(owner: str) -> None:
        raise RuntimeError(owner)

    store = _store(budget=100, grace_seconds=0, on_release=failing)
    _put(store, "s1", "a", 10)
    store.end_session("s1")
    assert len(store) == 0


def test_a_session_keeps_a_few_entries_of_a_kind() -> None:
    store = _store(budget=1_000)
    for name in ("a", "b", "c"):
        store.put("s1", ("model", name), name, 10, ("places", "f"), keep=2)
    store.put("s1", ("data", "x"), "x", 10, ("places", "f"), keep=1)
    store.put("s2", ("model", "z"), "z", 10, ("places", "f"), keep=2)
    assert store.get("s1", ("model", "a")) is None
    assert store.get("s1", ("model", "b")) == "b" and store.get("s1", ("model", "c")) == "c"
    assert store.get("s1", ("data", "x")) == "x"
    assert store.get("s2", ("model", "z")) == "z"  # another session's are its own
    assert store.total_bytes == 40


def test_drop_group_releases_a_file_and_what_was_built_from_it() -> None:
    store = _store(budget=1_000)
    _put(store, "s1", "a", 10, file="old")
    _put(store, "s1", "b", 10, file="new")
    store.put("s1", ("housing", "h"), "h", 10, ("housing", "old"))
    _put(store, "s2", "a", 10, file="old")
    assert store.drop_group("s1", "places", keep="new") == 10
    assert _held(store, "s1") == ["b", "h"]  # "h" is of another namespace
    assert store.get("s2", ("value", "a")) == "s2/a"  # another session
    assert store.drop_group("s1", "places") == 10
    assert store.total_bytes == 20


def test_memory_pressure_evicts_other_files_but_not_the_one_in_use() -> None:
    rss = {"now": 500 * MB}
    store = _store(budget=10_000 * MB, rss_limit_bytes=1_000 * MB, rss=lambda: rss["now"])
    _put(store, "other", "a", 200 * MB, file="x")
    _put(store, "other", "b", 200 * MB, file="y")
    _put(store, "me", "a", 100 * MB, file="mine")
    assert len(store) == 3  # under the limit: nothing evicted
    rss["now"] = 1_300 * MB  # 300 MB over
    _put(store, "me", "b", 100 * MB, file="mine")
    assert store.get("other", ("value", "a")) is None
    assert store.get("other", ("value", "b")) is None  # 200 MB were not enough
    assert _held(store, "me") == ["a", "b"]  # the file in use is never evicted for pressure


def test_make_room_evicts_before_a_heavy_job() -> None:
    rss = {"now": 900 * MB}
    store = _store(budget=10_000 * MB, rss_limit_bytes=1_000 * MB, rss=lambda: rss["now"])
    _put(store, "other", "a", 50 * MB, file="x")
    _put(store, "other", "b", 50 * MB, file="y")
    store.make_room("me", ("places", "mine"), need_bytes=60 * MB)  # 900 + 60 fits
    assert len(store) == 2
    store.make_room("me", ("places", "mine"), need_bytes=150 * MB)  # 50 MB over
    assert store.get("other", ("value", "a")) is None
    assert store.get("other", ("value", "b")) == "other/b"


def test_make_room_refuses_a_job_that_would_still_take_memory_too_high() -> None:
    rss = {"now": 900 * MB}
    store = _store(
        budget=10_000 * MB,
        rss_limit_bytes=1_000 * MB,
        refuse_above_bytes=1_200 * MB,
        rss=lambda: rss["now"],
    )
    _put(store, "other", "a", 50 * MB, file="x")
    assert store.make_room("me", ("places", "mine"), need_bytes=250 * MB)  # 1,150 MB: go
    rss["now"] = 1_100 * MB  # what others hold is not ours to evict: the fake does not fall
    assert not store.make_room("me", ("places", "mine"), need_bytes=250 * MB)
    assert len(store) == 0  # it evicted what it could first
    assert _store(budget=10).make_room("me", ("places", "mine"), need_bytes=10**12)


def test_work_slots_admit_one_job_at_a_time() -> None:
    slots = WorkSlots(1)
    inside = threading.Event()
    leave = threading.Event()
    waited: list[bool] = []

    def first() -> None:
        with slots.slot(5, on_wait=lambda: None):
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    with (
        pytest.raises(BusyError, match="busy"),
        slots.slot(0.05, on_wait=lambda: waited.append(True)),
    ):
        pass
    assert waited == [True]
    leave.set()
    thread.join(5)
    with slots.slot(0.05, on_wait=lambda: waited.append(True)):
        pass
    assert waited == [True]  # a free slot does not wait
    with pytest.raises(ValueError, match="slots"):
        WorkSlots(0)


def test_process_memory_is_read_and_freed_memory_can_be_released() -> None:
    rss = process_rss_bytes()
    assert rss is None or rss > 10 * MB
    start = time.perf_counter()
    release_freed_memory()
    assert time.perf_counter() - start >= 0  # runs without error (timing is not asserted)
