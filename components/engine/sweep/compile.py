"""Compile the sweep's kernels into numba's disk cache (``python -m`` this module).

A server runs this in a child process when it starts (see components/ui/cache/model.py):
compiling holds the GIL for several seconds, which in a thread would stall the first
page; in its own process it uses another core, and the server then loads the compiled
kernels from the disk cache (``cache=True``) in a fraction of a second.
"""

from __future__ import annotations

from components.engine.sweep.metrics import warm_up

if __name__ == "__main__":
    print(f"kernels ready in {warm_up():.1f} s")
