"""When k-means fails: toy shapes, other clustering algorithms, density clusters on a map.

- :mod:`.toy_shapes`: two moons, two rings and three blobs with their true groups;
- :mod:`.comparison`: k-means and five alternatives scored against the truth (ARI);
- :mod:`.geo_density`: DBSCAN / HDBSCAN of places with the great-circle distance;
- :mod:`.gazetteer`: California places, to name where a cluster lies.

Cluster labels are integers; noise is ``-1``.
"""
