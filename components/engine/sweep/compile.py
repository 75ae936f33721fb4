"""Compile the sweep's kernels into numba's disk cache (``python -m`` this module).

A server runs this in a child process when it starts (see components/ui/cache/model.py):
compiling holds the GIL for several seconds, which in a thread would stall the first
page; in its own process it uses another core, and the server then loads the compiled
kernels from the disk cache (``cache=True``) in a fraction of a second.

The child runs at the lowest CPU priority: on a 2-core machine the compile otherwise takes
a core from the first page's server thread and from the browser (the first paint on a new
server with an empty cache took 18.8 s; BENCHMARKS.md, "Session 6"). The sweep's scores,
which wait for the kernels, come later instead; the map and the box plot do not wait.
"""

from __future__ import annotations

import os

from components.engine.sweep.metrics import warm_up

LOWEST_PRIORITY = 19  # the largest niceness on Linux


def lower_priority() -> int:
    """Make this process yield the CPU to every other; its niceness after (0 if it cannot).

    Returns
    -------
    int
        The process's niceness.
    """
    try:
        return os.nice(LOWEST_PRIORITY - os.nice(0))
    except (AttributeError, OSError):  # no os.nice (Windows), or refused
        return 0


if __name__ == "__main__":
    lower_priority()
    print(f"kernels ready in {warm_up():.1f} s")
