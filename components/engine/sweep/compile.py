"""Compile the sweep's kernels into numba's disk cache (``python -m`` this module).

A server runs this in a child process when it starts (see components/ui/cache/model.py):
compiling holds the GIL for several seconds, which in a thread would stall the first
page; in its own process it uses another core, and the server then loads the compiled
kernels from the disk cache (``cache=True``) in a fraction of a second.

The child runs at a lower CPU priority (niceness 10): on a 2-core machine the compile
otherwise takes a core from the first page's server thread (and, in the benchmark, from the
browser on the same machine). At niceness 19 a child on a busy machine gets almost no CPU,
and the sweep's scores, which wait for it, can take minutes; niceness 10 still gives it a
share of a busy core (BENCHMARKS.md, the section on a warm server).
"""

from __future__ import annotations

import os

from components.engine.sweep.metrics import warm_up

NICENESS = 10  # of 19, the lowest priority on Linux


def lower_priority() -> int:
    """Make this process yield the CPU to the server's threads; its niceness after.

    Returns
    -------
    int
        The process's niceness (0 when it cannot be changed).
    """
    try:
        return os.nice(max(NICENESS - os.nice(0), 0))
    except (AttributeError, OSError):  # no os.nice (Windows), or refused
        return 0


if __name__ == "__main__":
    lower_priority()
    print(f"kernels ready in {warm_up():.1f} s")
