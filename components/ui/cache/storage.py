"""Where a cached value lives: process-wide for the census data, per session for an upload.

One decorator, :func:`per_source`, so the pipeline's functions are written once for every
data source. A value built from the census file is shared by every visitor
(``st.cache_resource``). A value built from a user's file is that session's, held in the
upload budget of :mod:`components.ui.cache.uploads`: released when the session ends,
evicted under memory pressure, and built one heavy job at a time.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import streamlit as st

from components.ui.cache import uploads
from components.ui.keys import DataSource

P = ParamSpec("P")
T = TypeVar("T")


# What one page run has used of its session's upload: the budget may evict a value while the
# page is still drawn (a file larger than the budget), and the run's later steps must see the
# same file rather than find its bytes gone.
_RUN = threading.local()


@contextmanager
def page_run() -> Iterator[None]:
    """Keep every upload value a page run uses until the run ends (see :func:`per_source`)."""
    _RUN.values = {}
    try:
        yield
    finally:
        _RUN.values = None


def _in_run(key: Hashable, build: Callable[[], T]) -> T:
    values: dict[Hashable, Any] | None = getattr(_RUN, "values", None)
    if values is None:
        return build()
    if key not in values:
        values[key] = build()
    return cast(T, values[key])


def per_source(
    *,
    max_entries: int,
    keep: int,
    spinner: str | None = None,
    work_bytes: Callable[..., int] | None = None,
) -> Callable[[Callable[Concatenate[Any, P], T]], Callable[Concatenate[Any, P], T]]:
    """Cache a function of a source (or model key) where that source's values belong.

    Parameters
    ----------
    max_entries : int
        Entries kept process-wide (census data).
    keep : int
        Values of this function a session keeps for its upload (least recently used go).
    spinner : str, optional
        Shown while the value is built.
    work_bytes : callable, optional
        Memory the build of an upload's value briefly needs, from the same arguments
        (the budget makes room for it first, or refuses the job).

    Returns
    -------
    callable
        The decorator. The decorated function's first argument is a ``DataSource`` or a
        ``ModelKey``; its other arguments must be hashable.
    """

    def decorate(
        function: Callable[Concatenate[Any, P], T],
    ) -> Callable[Concatenate[Any, P], T]:
        shared = st.cache_resource(show_spinner=spinner or False, max_entries=max_entries)(function)

        @functools.wraps(function)
        def cached(keyed: Any, *args: P.args, **kwargs: P.kwargs) -> T:
            source = keyed if isinstance(keyed, DataSource) else keyed.source
            if not source.is_upload:
                return shared(keyed, *args, **kwargs)
            key = (function.__qualname__, keyed, *args, *sorted(kwargs.items()))
            return _in_run(
                key,
                lambda: uploads.held(
                    key,
                    ("places", source.name),
                    lambda: function(keyed, *args, **kwargs),
                    spinner=spinner or "Working on your file…",
                    # Asked only when the value is built (it may read a file's footer).
                    work_bytes=lambda: work_bytes(keyed, *args, **kwargs) if work_bytes else 0,
                    keep=keep,
                ),
            )

        # The process-wide entries can be cleared as a cached function's can (tests do).
        setattr(cached, "clear", shared.clear)  # noqa: B010
        return cached

    return decorate
