"""The memory budget of users' uploads: per-session entries, LRU eviction, release at session end.

Pure Python (no Streamlit; :mod:`components.ui.cache.uploads` connects it to the sessions).
What a user's file brings (its bytes, the parsed rows, the models) is held here, owned by
the session that uploaded it, never by Streamlit's process-wide caches:

- **Per session.** Each entry has an owner (a session id). When the session ends,
  :meth:`BudgetStore.end_session` gives it ``grace_seconds`` to come back (a network blip
  reconnects to the same session), then releases every entry it owns and calls
  ``on_release`` (which frees what Streamlit itself keeps for the session).
- **Under a global budget.** The entries' bytes (``deep_nbytes`` of each value) never sum
  above ``budget_bytes``: adding one evicts the least recently used others first, whoever
  owns them. One entry larger than the budget is kept alone (the user needs it now).
- **Under pressure.** When the process's resident memory (``VmRSS``) is above
  ``rss_limit_bytes`` after an entry is added, or would be with a job about to start
  (:meth:`BudgetStore.make_room`), entries are evicted, other sessions' first, and freed
  memory is handed back to the system (:func:`release_freed_memory`), before the host's
  limit (2.7 GB on Streamlit Community Cloud) kills the app. A job that would still pass
  ``refuse_above_bytes`` is refused (its user is asked to try later) rather than started.
- **One heavy job at a time.** :class:`WorkSlots` admits reading and fitting uploads one
  (by default) at a time, so three users uploading at once do not triple the peak.

A page whose entry was evicted finds it missing and asks for the file again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

_LOGGER = logging.getLogger(__name__)
MB = 1024 * 1024
_FullKey = tuple[str, tuple[Hashable, ...]]  # (owner, key); a key's first item is its kind
_Group = tuple[str, str]  # (namespace, name): the file an entry belongs to


def process_rss_bytes() -> int | None:
    """The process's resident memory in bytes (``VmRSS`` of /proc/self/status); None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


_M_ARENA_MAX = -8  # glibc's malloc.h


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (whose malloc the functions below tune), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def limit_malloc_arenas(arenas: int = 1) -> bool:
    """Ask glibc's malloc for at most ``arenas`` arenas; True when it agreed.

    Only effective before the process's threads have made arenas of their own (so at the
    server's start): each arena keeps what a big job's thread freed in it.

    Parameters
    ----------
    arenas : int
        The most arenas, at least 1. glibc makes one per thread that allocates, up to 8 per
        core; one keeps the least (BENCHMARKS.md, "Load: the malloc arena cap, measured
        alone").

    Returns
    -------
    bool
        Whether malloc took the setting (False off glibc).
    """
    if arenas < 1:
        raise ValueError(f"arenas={arenas!r} must be at least 1.")
    libc = _glibc()
    return libc is not None and bool(libc.mallopt(_M_ARENA_MAX, arenas))


def release_freed_memory() -> None:
    """Hand memory freed by Python, pyarrow and malloc back to the system.

    Freed memory otherwise stays in the allocators' pools and the process's RSS does not
    go down (BENCHMARKS.md, "Measured defaults"). Runs a full garbage collection, releases
    pyarrow's unused pool memory (pandas keeps text columns there) when pyarrow is loaded,
    and asks glibc's malloc to trim its heap.
    """
    gc.collect()
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        try:
            pyarrow.default_memory_pool().release_unused()
        except Exception:  # an optional nicety, never an error for the user
            _LOGGER.debug("pyarrow's memory pool could not release memory", exc_info=True)
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


class BusyError(RuntimeError):
    """No slot for a heavy job came free in time; the message says to try again."""


class WorkSlots:
    """At most ``slots`` heavy jobs (reading or fitting an upload) at once, process-wide.

    A job that needs another heavy value first (a fit needs the file read) builds it in
    the slot it holds: a thread holding a slot is admitted again without waiting.

    Parameters
    ----------
    slots : int
        Jobs admitted at once (>= 1).
    """

    def __init__(self, slots: int = 1) -> None:
        if slots < 1:
            raise ValueError(f"slots={slots!r} is invalid; expected an integer >= 1.")
        self._semaphore = threading.BoundedSemaphore(slots)
        self._held = threading.local()

    @contextmanager
    def slot(self, timeout_seconds: float, on_wait: Callable[[], None]) -> Iterator[None]:
        """Hold a slot for the block; wait for one first if all are taken.

        Parameters
        ----------
        timeout_seconds : float
            Longest wait; then :class:`BusyError` is raised.
        on_wait : callable
            Called once when the job has to wait (e.g. to tell the user).
        """
        depth = getattr(self._held, "depth", 0)
        if depth == 0 and not self._semaphore.acquire(blocking=False):
            on_wait()
            if not self._semaphore.acquire(timeout=timeout_seconds):
                raise BusyError(
                    f"The server is busy with other users' files (waited {timeout_seconds:.0f}"
                    " s). Try again in a minute."
                )
        self._held.depth = depth + 1
        try:
            yield
        finally:
            self._held.depth = depth
            if depth == 0:
                self._semaphore.release()


class _Entry(NamedTuple):
    value: object
    nbytes: int
    group: _Group


class BudgetStore:
    """Values owned by sessions, within a byte budget, released when their session ends.

    Thread-safe. Keys are ``(owner, key)``; each entry also has a group ``(namespace,
    name)``, e.g. ``("places", sha256)``, so everything derived from one file can be
    dropped together.

    Parameters
    ----------
    budget_bytes : int
        Most bytes all entries may hold together.
    rss_limit_bytes : int or None
        Resident memory above which entries are evicted (None: not checked).
    refuse_above_bytes : int or None
        :meth:`make_room` answers False when a job would take resident memory above this
        even after evicting (None: never).
    grace_seconds : float
        How long an ended session's entries are kept for it to reconnect.
    rss : callable
        Returns the process's resident bytes, or None (tests pass their own).
    trim : callable
        Gives freed memory back to the system after entries are released.
    on_release : callable, optional
        Called with an owner once its session has ended and its entries are released.
    clock : callable
        Seconds, monotonic.
    """

    def __init__(
        self,
        budget_bytes: int,
        *,
        rss_limit_bytes: int | None = None,
        refuse_above_bytes: int | None = None,
        grace_seconds: float = 30.0,
        rss: Callable[[], int | None] = process_rss_bytes,
        trim: Callable[[], None] = release_freed_memory,
        on_release: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_bytes = int(budget_bytes)
        self.rss_limit_bytes = rss_limit_bytes
        self.refuse_above_bytes = refuse_above_bytes
        self.grace_seconds = float(grace_seconds)
        self.on_release = on_release
        self._rss = rss
        self._trim = trim
        self._clock = clock
        self._lock = threading.RLock()
        self._entries: OrderedDict[_FullKey, _Entry] = OrderedDict()
        self._total = 0
        self._ended: dict[str, float] = {}  # owner -> when its entries go
        self._timer: threading.Timer | None = None

    # ------------------------------------------------------------------ reading

    @property
    def total_bytes(self) -> int:
        """Bytes held by all entries."""
        return self._total

    def __len__(self) -> int:
        return len(self._entries)

    def owners(self) -> set[str]:
        """Owners holding entries."""
        with self._lock:
            return {owner for owner, _ in self._entries}

    def keys(self, owner: str) -> list[tuple[Hashable, ...]]:
        """An owner's keys, least recently used first (reading them changes nothing)."""
        with self._lock:
            return [key for (entry_owner, key) in self._entries if entry_owner == owner]

    def get(self, owner: str, key: tuple[Hashable, ...]) -> object | None:
        """The value of an owner's key (now the most recently used), or None."""
        with self._lock:
            entry = self._entries.get((owner, key))
            if entry is None:
                return None
            self._entries.move_to_end((owner, key))
            return entry.value

    # ------------------------------------------------------------------ writing

    def put(
        self,
        owner: str,
        key: tuple[Hashable, ...],
        value: object,
        nbytes: int,
        group: _Group,
        *,
        keep: int | None = None,
    ) -> None:
        """Hold a value for an owner, evicting the least recently used others to fit.

        Parameters
        ----------
        owner : str
            The session.
        key : tuple
            What the value is (unique per owner); its first item names its kind.
        value : object
            Anything; it is never copied.
        nbytes : int
            What it holds (e.g. ``compact.deep_nbytes(value)``).
        group : (str, str)
            The file it belongs to, e.g. ``("places", sha256)``.
        keep : int, optional
            Most entries of this kind the owner keeps; its least recently used go first.
        """
        freed = False
        full_key = (owner, key)
        with self._lock:
            self._ended.pop(owner, None)  # an owner that writes is alive
            self._remove(full_key)
            entry = self._entries[full_key] = _Entry(value, max(int(nbytes), 0), group)
            self._total += entry.nbytes
            if keep is not None:
                same_kind = [k for k in self._entries if k[0] == owner and k[1][:1] == key[:1]]
                for old in same_kind[: -max(keep, 1)]:
                    freed = self._remove(old) > 0 or freed
            for victim in self._victims(owner, group, protect=full_key):
                if self._total <= self.budget_bytes:
                    break
                self._evict(victim, "over the upload budget")
                freed = True
        if freed:
            self._trim()
        self._relieve_pressure(owner, group, protect=full_key, need_bytes=0)

    def drop_group(self, owner: str, namespace: str, keep: str | None = None) -> int:
        """Release an owner's entries of a namespace, except those of the group ``keep``.

        Returns
        -------
        int
            Bytes released.
        """
        with self._lock:
            keys = [
                k
                for k, e in self._entries.items()
                if k[0] == owner and e.group[0] == namespace and e.group[1] != keep
            ]
            released = sum(self._remove(k) for k in keys)
        if released:
            self._trim()
        return released

    def make_room(self, owner: str, group: _Group, need_bytes: int) -> bool:
        """Evict entries while resident memory plus ``need_bytes`` is above the RSS limit.

        Called before a heavy job that will briefly need ``need_bytes``; never evicts the
        group the job is for.

        Returns
        -------
        bool
            False when the job would still take memory above ``refuse_above_bytes``: the
            caller should not start it (the host would kill the whole app).
        """
        self._relieve_pressure(owner, group, protect=None, need_bytes=need_bytes)
        if self.refuse_above_bytes is None:
            return True
        rss = self._rss()
        return rss is None or rss + need_bytes <= self.refuse_above_bytes

    # ------------------------------------------------------------------ sessions

    def adopt(self, owner: str) -> None:
        """The owner's session is running (again): keep its entries."""
        with self._lock:
            self._ended.pop(owner, None)

    def end_session(self, owner: str) -> None:
        """The owner's session ended: release its entries after the grace period."""
        with self._lock:
            self._ended[owner] = self._clock() + self.grace_seconds
        if self.grace_seconds <= 0:
            self.reap()
        else:
            self._schedule_reap()

    def _schedule_reap(self) -> None:
        """Run :meth:`reap` at the earliest deadline (one timer thread at a time)."""
        with self._lock:
            if not self._ended or (self._timer is not None and self._timer.is_alive()):
                return
            delay = max(min(self._ended.values()) - self._clock(), 0.0) + 0.5
            self._timer = threading.Timer(delay, self._reap_and_reschedule)
            self._timer.daemon = True
            self._timer.start()

    def _reap_and_reschedule(self) -> None:
        with self._lock:
            self._timer = None
        self.reap()
        self._schedule_reap()

    def ended_owners(self) -> set[str]:
        """Owners whose session ended and whose entries wait for the grace period."""
        with self._lock:
            return set(self._ended)

    def reap(self) -> set[str]:
        """Release the entries of sessions ended more than the grace period ago.

        Returns
        -------
        set of str
            The owners released (``on_release`` was called for each).
        """
        now = self._clock()
        with self._lock:
            gone = {owner for owner, deadline in self._ended.items() if deadline <= now}
            for owner in gone:
                del self._ended[owner]
            keys = [k for k in self._entries if k[0] in gone]
            released = sum(self._remove(k) for k in keys)
        for owner in sorted(gone):
            if self.on_release is not None:
                try:
                    self.on_release(owner)
                except Exception:  # a failing hook must not keep memory
                    _LOGGER.warning("Releasing session %s failed", owner, exc_info=True)
        if gone or released:
            self._trim()
            _LOGGER.info(
                "Released %d ended session(s): %.1f MB; %.1f MB held by uploads.",
                len(gone),
                released / MB,
                self._total / MB,
            )
        return gone

    # ------------------------------------------------------------------ inside

    def _remove(self, full_key: _FullKey) -> int:
        entry = self._entries.pop(full_key, None)
        if entry is None:
            return 0
        self._total -= entry.nbytes
        return entry.nbytes

    def _evict(self, full_key: _FullKey, why: str) -> None:
        nbytes = self._remove(full_key)
        _LOGGER.info(
            "Evicted an upload entry of %.1f MB (%s); %.1f MB held by uploads.",
            nbytes / MB,
            why,
            self._total / MB,
        )

    def _victims(self, owner: str, group: _Group, protect: _FullKey | None) -> list[_FullKey]:
        """Keys in eviction order: ended sessions', others', the owner's other files', its own."""
        with self._lock:
            keys = [k for k in self._entries if k != protect]

            def rank(full_key: _FullKey) -> int:
                if full_key[0] in self._ended:
                    return 0
                if full_key[0] != owner:
                    return 1
                return 2 if self._entries[full_key].group != group else 3

            return sorted(keys, key=rank)  # stable: least recently used first within a rank

    def _relieve_pressure(
        self, owner: str, group: _Group, protect: _FullKey | None, need_bytes: int
    ) -> None:
        if self.rss_limit_bytes is None:
            return
        rss = self._rss()
        if rss is None or rss + need_bytes <= self.rss_limit_bytes:
            return
        with self._lock:
            victims = [
                k for k in self._victims(owner, group, protect) if self._entries[k].group != group
            ]
            over = rss + need_bytes - self.rss_limit_bytes
            for victim in victims:
                if over <= 0:
                    break
                over -= self._entries[victim].nbytes
                self._evict(victim, f"memory at {rss / MB:.0f} MB")
        self._trim()
        after = self._rss()
        if after is not None and after + need_bytes > self.rss_limit_bytes:
            _LOGGER.warning(
                "Memory at %.0f MB (+%.0f MB needed) is above the limit of %.0f MB with "
                "%.1f MB held by uploads.",
                after / MB,
                need_bytes / MB,
                self.rss_limit_bytes / MB,
                self._total / MB,
            )
