"""The fast exact k-sweep: k-means for every k with exact silhouettes, CH, DB and suggested k's.

- :mod:`.run`: :func:`~.run.sweep_k` and its :class:`~.run.SweepResult`;
- :mod:`.metrics`: exact silhouettes of many clusterings at once, CH and DB;
- :mod:`.kernels`: the compiled per-cell distance sums (numba, with a numpy fallback);
- :mod:`.suggestions`: reading k off the knee, the best silhouette and the best CH.

Importing this package loads nothing; :mod:`.kernels` imports numba.
"""
