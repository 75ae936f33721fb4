"""The k-sweep on a Dask cluster, for data sets that do not fit one machine.

Run as ``python -m components.engine.distributed DATA --out RESULT`` (see :mod:`.__main__`):
reads a Parquet data set with dask.dataframe, scales it as the app does, fits k-means for every
k with dask-ml's KMeans (k-means|| start) and writes a small result folder that the app reads
with :func:`components.engine.distributed_result.read_distributed_result` (no dask needed).

- :mod:`.cluster`: the Dask client: a LocalCluster by default, or the scheduler named by
  ``--scheduler`` or ``GEOCLUSTER_DASK_SCHEDULER``;
- :mod:`.read`: the Parquet data set as a dask array of the needed columns;
- :mod:`.scale`: the app's scalers fitted with dask reductions, applied chunk by chunk;
- :mod:`.sweep`: :func:`~.sweep.run_distributed_sweep`, the fits, stable ids, metrics, map.

This package, and only it, imports dask, distributed and dask-ml (requirements-distributed.txt);
the app never imports it, so the app runs without them. Importing this package loads nothing.
"""
